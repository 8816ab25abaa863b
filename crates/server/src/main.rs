fn main() -> std::process::ExitCode {
    carebase::cli::main()
}
