// no_std Rust app for wamr-mpy (wasm32-unknown-unknown): no allocator, no
// std; output goes through the runtime's libc-builtin natives (printf,
// puts), imported from "env" like any C app's.
#![no_std]
#![no_main]

use core::panic::PanicInfo;

extern "C" {
    fn printf(format: *const u8, ...) -> i32;
    fn puts(s: *const u8) -> i32;
    fn abort() -> !;
}

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    unsafe { abort() }
}

trait Animal {
    fn name(&self) -> &'static [u8];
    fn legs(&self) -> u32;
}

struct Bird;
struct Dog;
struct Spider;

impl Animal for Bird {
    fn name(&self) -> &'static [u8] { b"bird\0" }
    fn legs(&self) -> u32 { 2 }
}
impl Animal for Dog {
    fn name(&self) -> &'static [u8] { b"dog\0" }
    fn legs(&self) -> u32 { 4 }
}
impl Animal for Spider {
    fn name(&self) -> &'static [u8] { b"spider\0" }
    fn legs(&self) -> u32 { 8 }
}

fn collatz_steps(mut n: u64) -> u32 {
    let mut steps = 0;
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        steps += 1;
    }
    steps
}

fn is_prime(n: u32) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    unsafe {
        puts(b"Hello from no_std Rust!\0".as_ptr());

        let zoo: [&dyn Animal; 3] = [&Bird, &Dog, &Spider];
        let mut legs = 0;
        for a in zoo.iter() {
            printf(b"%s has %u legs\n\0".as_ptr(), a.name().as_ptr(), a.legs());
            legs += a.legs();
        }
        printf(b"total legs: %u\n\0".as_ptr(), legs);

        let primes = (1..50u32).filter(|&n| is_prime(n)).count();
        printf(b"primes below 50: %d\n\0".as_ptr(), primes as i32);

        let (best, steps) = (1..1000u64)
            .map(|n| (n, collatz_steps(n)))
            .fold((0, 0), |acc, x| if x.1 > acc.1 { x } else { acc });
        printf(b"longest collatz below 1000: %llu (%u steps)\n\0".as_ptr(),
               best, steps);

        let mut fib = [0u64; 60];
        fib[1] = 1;
        for i in 2..fib.len() {
            fib[i] = fib[i - 1] + fib[i - 2];
        }
        printf(b"fib(59) = %llu\n\0".as_ptr(), fib[59]);
    }
    0
}
