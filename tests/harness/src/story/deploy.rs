//! The platform admin's deploy: the real `studio-catalog-deploy` binary run as an admin runs it
//! (`package` from the binaries already built, then `deploy`), pointed at the emulator by
//! `AWS_ENDPOINT_URL`, its output streamed into the story as progress.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::StepError;
use super::narrator::Narrator;
use crate::emulator::AwsEmulator;
use crate::{REGION, workspace_root};

/// Where and how to deploy.
#[derive(Debug, Clone)]
pub struct DeployRun<'a> {
    /// The `studio-catalog-deploy` binary.
    pub binary: &'a Path,
    /// The directory of the function binaries (`--from-binaries`).
    pub functions_dir: &'a Path,
    /// The artefact bucket.
    pub bucket: &'a str,
    /// The manifest `package` writes and `deploy` reads (kept out of the work tree).
    pub manifest: PathBuf,
    /// `--core-parameter K=V`s.
    pub core_parameters: Vec<(String, String)>,
    /// `--portfolio-parameter K=V`s.
    pub portfolio_parameters: Vec<(String, String)>,
    /// `package --name-prefix`: the core stack's `NamePrefix`, which the staged product
    /// templates' SSM parameter defaults and the portfolio's `CoreNamePrefix` follow (None: the
    /// core template's default).
    pub name_prefix: Option<&'a str>,
}

impl DeployRun<'_> {
    /// `package`, then `deploy`; each one's output lines as progress. An exit status other than
    /// 0 is a step error with the command's last lines.
    pub async fn run(&self, aws: &AwsEmulator, narrator: &mut Narrator) -> Result<(), StepError> {
        // moto's CloudFormation reads a path-style TemplateURL only on a host containing
        // "localhost" (tools/deploy/README.md), so the admin's endpoint is spelt so.
        let endpoint = format!("http://localhost:{}", aws.port());
        let functions_dir = self.functions_dir.display().to_string();
        let manifest = self.manifest.display().to_string();
        let mut package = vec![
            "package",
            "--bucket",
            self.bucket,
            "--create-bucket",
            "--from-binaries",
            &functions_dir,
            "--manifest",
            &manifest,
        ];
        if let Some(prefix) = self.name_prefix {
            package.extend(["--name-prefix", prefix]);
        }
        self.command(&endpoint, &package, narrator).await?;
        let mut deploy: Vec<String> = ["deploy", "--manifest", &manifest, "--poll-seconds", "1"]
            .iter()
            .map(|arg| (*arg).to_owned())
            .collect();
        let core = self
            .core_parameters
            .iter()
            .map(|pair| ("--core-parameter", pair));
        let portfolio = self
            .portfolio_parameters
            .iter()
            .map(|pair| ("--portfolio-parameter", pair));
        for (option, (key, value)) in core.chain(portfolio) {
            deploy.push(option.to_owned());
            deploy.push(format!("{key}={value}"));
        }
        let deploy: Vec<&str> = deploy.iter().map(String::as_str).collect();
        self.command(&endpoint, &deploy, narrator).await
    }

    async fn command(
        &self,
        endpoint: &str,
        args: &[&str],
        narrator: &mut Narrator,
    ) -> Result<(), StepError> {
        narrator.progress(&format!("$ studio-catalog-deploy {}", args.join(" ")));
        let mut child = Command::new(self.binary)
            .args(args)
            .arg("--root")
            .arg(workspace_root())
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("AWS_REGION", REGION)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| {
                StepError::new(format!(
                    "could not run {} (build it with `cargo build -p studio-catalog-deploy`): {error}",
                    self.binary.display()
                ))
            })?;
        let stdout = child.stdout.take().map(|out| BufReader::new(out).lines());
        let stderr = child.stderr.take().map(|err| BufReader::new(err).lines());
        let (Some(mut stdout), Some(mut stderr)) = (stdout, stderr) else {
            return Err(StepError::new("the deploy tool's output could not be read"));
        };
        let mut tail: Vec<String> = Vec::new();
        let (mut out_open, mut err_open) = (true, true);
        while out_open || err_open {
            let line = tokio::select! {
                line = stdout.next_line(), if out_open => line.map(|line| line.or_else(|| { out_open = false; None })),
                line = stderr.next_line(), if err_open => line.map(|line| line.or_else(|| { err_open = false; None })),
            };
            if let Some(line) = line? {
                // A progress bar redrawn in place would be noise here; its lines end in \r.
                let line = line.rsplit('\r').next().unwrap_or_default().to_owned();
                if !line.trim().is_empty() {
                    narrator.progress(&format!("│ {line}"));
                    tail.push(line);
                }
            }
        }
        let status = child.wait().await?;
        if status.success() {
            Ok(())
        } else {
            let skip = tail.len().saturating_sub(5);
            Err(StepError::new(format!(
                "studio-catalog-deploy {} exited with {status}: {}",
                args.first().copied().unwrap_or_default(),
                tail[skip..].join(" / ")
            )))
        }
    }
}
