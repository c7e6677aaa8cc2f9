//! The `glossa` binary: everything happens in [`glossa::cli`].

/// mimalloc: rendering allocates many short-lived strings on several threads;
/// glibc's allocator cost far more (BENCHMARKS.md, "allocator"). It is built
/// with `no_thp` (Cargo.toml): advised into transparent huge pages, its
/// regions stayed resident 2 MiB at a time (BENCHMARKS.md, seventh round).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the 16th of `mi_option_e` in the
/// `mimalloc.h` of the version the test below names): how long memory
/// freed stays resident before it is returned to the system.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds before freed memory is returned: by default a second (ten in
/// its arenas), longer than linking a large edition takes, so the memory
/// freed while linking stayed resident beside what rendering allocates
/// (BENCHMARKS.md, seventh round).
const PURGE_DELAY_MS: std::ffi::c_long = 10;

fn main() -> std::process::ExitCode {
    // SAFETY: sets one option of the allocator, which reads it when it
    // purges; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    // Like other Unix tools, end quietly when the reader of our output goes
    // away (`glossa check --coverage | head`) instead of panicking on EPIPE.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    glossa::cli::run()
}

#[cfg(test)]
mod tests {
    /// The option set at start is the purge delay: the bundled mimalloc is
    /// the version whose options were read, and the option at that index
    /// holds the purge delay's default, one second. An update of mimalloc
    /// fails here until its `mimalloc.h` is read again.
    #[test]
    fn the_option_set_at_start_is_mimallocs_purge_delay() {
        // SAFETY: reads the allocator's version and one option.
        let (version, delay) = unsafe {
            (
                libmimalloc_sys::mi_version(),
                libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY),
            )
        };
        assert_eq!(version, 30302);
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(delay, 1000);
        }
    }

    /// Built with `no_thp`, mimalloc advises none of its memory into
    /// transparent huge pages: no mapping of the process carries the
    /// `hg` flag (`MADV_HUGEPAGE`), even after a large allocation.
    #[cfg(target_os = "linux")]
    #[test]
    fn no_memory_is_advised_into_huge_pages() {
        let big = vec![1u8; 64 << 20];
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let advised = smaps
            .lines()
            .filter(|l| l.starts_with("VmFlags:"))
            .filter(|l| l.split_whitespace().any(|f| f == "hg"))
            .count();
        assert_eq!(advised, 0, "{} MiB allocated", big.len() >> 20);
    }
}
