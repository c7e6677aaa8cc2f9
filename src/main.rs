//! The `glossa` binary: everything happens in [`glossa::cli`].

/// mimalloc: rendering allocates many short-lived strings on several threads;
/// glibc's allocator took 30% of a 1,000-chapter build (perf), mimalloc far less.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    glossa::cli::run()
}
