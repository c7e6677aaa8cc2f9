//! The `glossa` binary: everything happens in [`glossa::cli`].

/// mimalloc: rendering allocates many short-lived strings on several threads;
/// glibc's allocator cost far more (BENCHMARKS.md, "allocator"). It is built
/// with `no_thp` (Cargo.toml): advised into transparent huge pages, its
/// regions stayed resident 2 MiB at a time (BENCHMARKS.md, seventh round).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes
    // away (`glossa check --coverage | head`) instead of panicking on EPIPE.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    glossa::cli::run()
}
