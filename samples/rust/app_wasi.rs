// Rust with std for WASI (wasm32-wasi): args, collections, strings and
// formatting, all through wasi_snapshot_preview1.
use std::collections::BTreeMap;
use std::env;
use std::process;

fn word_counts(text: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for w in text.split_whitespace() {
        let w: String = w
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(|c| c.to_lowercase())
            .collect();
        if !w.is_empty() {
            *counts.entry(w).or_insert(0) += 1;
        }
    }
    counts
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    println!("Hello from Rust on WASI!");
    println!("args: {:?}", args);

    let text = "The quick brown fox jumps over the lazy dog. The dog sleeps; \
                the fox runs.";
    let counts = word_counts(text);
    let mut top: Vec<(&String, &usize)> = counts.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (w, n) in top.iter().take(3) {
        println!("{:>6} x{}", w, n);
    }

    let squares: Vec<u32> = (1..=10).map(|x| x * x).collect();
    let total: u32 = squares.iter().sum();
    println!("squares: {:?} sum={}", squares, total);
    println!("pi ~ {:.3}", (1..2000).fold(0.0f64, |acc, k| {
        let k = k as f64;
        acc + 1.0 / (k * k)
    }).sqrt() * 6f64.sqrt());

    if args.iter().any(|a| a == "fail") {
        eprintln!("asked to fail");
        process::exit(3);
    }
}
