use std::io::{IsTerminal, Write};

use studio_catalog_deploy::cli::{self, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        // The help (stdout, status 0) or a usage error (stderr, status 2).
        Err(usage) => {
            let _ = usage.print();
            return std::process::ExitCode::from(u8::try_from(usage.exit_code()).unwrap_or(2));
        }
    };
    let mut out = std::io::stdout();
    let result = match command {
        Command::Package(args) => studio_catalog_deploy::package_command(&args, &mut out)
            .await
            .map(drop),
        Command::OrgRollout(args) => {
            let interactive = out.is_terminal();
            studio_catalog_deploy::org_rollout_command(&args, &mut out, interactive).await
        }
        Command::Deploy(args) => {
            let interactive = out.is_terminal();
            studio_catalog_deploy::deploy_command(&args, &mut out, interactive)
                .await
                .map(drop)
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
