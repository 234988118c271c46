// AssemblyScript app for wamr-mpy.  Output goes through the runtime's
// libc-builtin natives: strings are encoded to NUL-terminated UTF-8 in linear
// memory and handed to puts; numbers go to printf through a small varargs
// buffer laid out like clang's (each value at its natural alignment).

@external("env", "puts")
declare function puts(s: usize): i32;

@external("env", "printf")
declare function printf(format: usize, va: usize): i32;

// AssemblyScript's default abort import takes (msg, file, line, col); route
// failures to a trap instead (built with --use abort=app/fail).
function fail(msg: string | null, file: string | null, line: u32, col: u32): void {
  unreachable();
}

const va = memory.data(32);

function cstr(s: string): usize {
  return changetype<usize>(String.UTF8.encode(s, true));
}

function print(s: string): void {
  puts(cstr(s));
}

function printInts(format: string, a: i32, b: i32): void {
  store<i32>(va, a);
  store<i32>(va, b, 4);
  printf(cstr(format), va);
}

class Vec2 {
  constructor(public x: f64, public y: f64) {}
  add(o: Vec2): Vec2 { return new Vec2(this.x + o.x, this.y + o.y); }
  dot(o: Vec2): f64 { return this.x * o.x + this.y * o.y; }
  toString(): string { return "(" + this.x.toString() + ", " + this.y.toString() + ")"; }
}

function gcd(a: i32, b: i32): i32 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function main(argc: i32, argv: usize): i32 {
  print("Hello from AssemblyScript!");

  const words = ["wasm", "micro", "runtime", "on", "micropython"];
  let longest = "";
  for (let i = 0; i < words.length; i++) {
    if (words[i].length > longest.length) longest = words[i];
  }
  print("words: " + words.join(" ") + " (longest: " + longest + ")");

  const a = new Vec2(1.5, 2);
  const b = new Vec2(-0.5, 4);
  print("a + b = " + a.add(b).toString() + ", a . b = " + a.dot(b).toString());

  printInts("gcd(%d, 36) = %d\n", 84, gcd(84, 36));

  const squares = new Array<i32>();
  for (let i = 1; i <= 8; i++) squares.push(i * i);
  let sum = 0;
  for (let i = 0; i < squares.length; i++) sum += squares[i];
  printInts("sum of %d squares = %d\n", squares.length, sum);

  print("upper: " + "assemblyscript".toUpperCase());
  return 0;
}
