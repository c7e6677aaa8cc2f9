//! The `glossa` binary: everything happens in [`glossa::cli`].

fn main() -> std::process::ExitCode {
    glossa::cli::run()
}
