//! Logging for every function in the suite, set up once.
//!
//! What Lambda's advanced logging controls ask for, as `lambda_runtime`'s
//! `init_default_subscriber` reads them: the level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`
//! (default INFO; `RUST_LOG` directives such as `studio_domain=debug` apply too), JSON lines when
//! `AWS_LAMBDA_LOG_FORMAT` is `JSON`, plain text otherwise; no timestamp (Lambda adds its own)
//! and no target. Two differences:
//!
//! - **No colour unless a person is watching.** `tracing-subscriber` writes ANSI colour codes
//!   by default, and CloudWatch shows them as `[32m INFO[0m` in plain-text logs; here colour is
//!   on only when the stream written to (stdout, which Lambda captures) is a terminal.
//! - Lambda's `FATAL` level (one of `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL` in the
//!   Lambda Developer Guide's "Configuring advanced logging controls") is read as ERROR, the
//!   closest `tracing` has, instead of falling back to INFO.
//!
//! A function whose libraries see a secret (the presigned-URL function) holds those libraries'
//! targets at INFO whatever level is asked for: [`init_holding_at_info`].

use std::{env, io::IsTerminal, str::FromStr};

use tracing_subscriber::{
    EnvFilter, Layer, Registry,
    filter::{FilterExt, LevelFilter, Targets},
    fmt::MakeWriter,
    layer::SubscriberExt,
    util::SubscriberInitExt,
};

/// The environment variable that selects JSON logs (`JSON`) or plain text (anything else).
pub const LOG_FORMAT_ENV: &str = "AWS_LAMBDA_LOG_FORMAT";
/// The environment variable Lambda sets to the function's log level.
pub const LOG_LEVEL_ENV: &str = "AWS_LAMBDA_LOG_LEVEL";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (`AWS_LAMBDA_LOG_FORMAT=JSON`).
    Json,
    /// `tracing`'s plain text.
    Text,
}

impl LogFormat {
    /// The format `AWS_LAMBDA_LOG_FORMAT` (its value, if set) asks for.
    pub fn from_setting(setting: Option<&str>) -> Self {
        if setting.is_some_and(|format| format.eq_ignore_ascii_case("json")) {
            Self::Json
        } else {
            Self::Text
        }
    }
}

/// The level `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`) asks for; INFO when unset or unreadable.
pub fn level_from_setting(setting: Option<&str>) -> LevelFilter {
    match setting.map(str::trim) {
        Some(level) if level.eq_ignore_ascii_case("fatal") => LevelFilter::ERROR,
        Some(level) => LevelFilter::from_str(level).unwrap_or(LevelFilter::INFO),
        None => LevelFilter::INFO,
    }
}

/// A filter holding `targets` (prefixes of `tracing` targets) at INFO and letting the rest
/// through.
pub fn held_at_info(targets: &[&str]) -> Targets {
    targets.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |filter, target| filter.with_target(*target, LevelFilter::INFO),
    )
}

/// The formatting layer: `format`, to `writer`, with colour only if `ansi`, filtered at `level`
/// (and `RUST_LOG`'s directives) with `quiet_targets` held at INFO.
pub fn layer<W>(
    format: LogFormat,
    level: LevelFilter,
    writer: W,
    ansi: bool,
    quiet_targets: &[&str],
) -> Box<dyn Layer<Registry> + Send + Sync>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let requested = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    let filter = requested.and(held_at_info(quiet_targets));
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .without_time()
        .with_ansi(ansi)
        .with_writer(writer);
    match format {
        LogFormat::Json => layer.json().with_filter(filter).boxed(),
        LogFormat::Text => layer.with_filter(filter).boxed(),
    }
}

/// Installs the global subscriber, writing to stdout (what Lambda captures), as the
/// environment asks. Call it first thing in `main`.
pub fn init() {
    init_holding_at_info(&[]);
}

/// [`init`], with `quiet_targets` (prefixes of `tracing` targets) never logged below INFO.
pub fn init_holding_at_info(quiet_targets: &[&str]) {
    let format = LogFormat::from_setting(env::var(LOG_FORMAT_ENV).ok().as_deref());
    let level = level_from_setting(
        env::var(LOG_LEVEL_ENV)
            .or_else(|_| env::var("RUST_LOG"))
            .ok()
            .as_deref(),
    );
    let ansi = std::io::stdout().is_terminal();
    tracing_subscriber::registry()
        .with(layer(format, level, std::io::stdout, ansi, quiet_targets))
        .init();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A writer that keeps what it is given.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'writer> MakeWriter<'writer> for Captured {
        type Writer = Self;

        fn make_writer(&'writer self) -> Self::Writer {
            self.clone()
        }
    }

    fn logged(format: LogFormat, ansi: bool) -> String {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry().with(layer(
            format,
            LevelFilter::INFO,
            captured.clone(),
            ansi,
            &[],
        ));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(domain_id = "d-0123456789ab", "waiting");
        });
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn plain_text_logs_carry_no_colour_codes_when_not_on_a_terminal() {
        let line = logged(LogFormat::Text, false);

        assert!(
            line.contains("INFO") && line.contains("waiting"),
            "{line:?}"
        );
        assert!(!line.contains('\x1b'), "{line:?}");
    }

    #[test]
    fn json_logs_are_one_object_per_line() {
        let line = logged(LogFormat::Json, false);

        let object: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(object["level"], "INFO");
        assert_eq!(object["fields"]["message"], "waiting");
        assert_eq!(object["fields"]["domain_id"], "d-0123456789ab");
    }

    #[test]
    fn only_json_selects_json() {
        assert_eq!(LogFormat::from_setting(Some("JSON")), LogFormat::Json);
        assert_eq!(LogFormat::from_setting(Some("json")), LogFormat::Json);
        assert_eq!(LogFormat::from_setting(Some("Text")), LogFormat::Text);
        assert_eq!(LogFormat::from_setting(None), LogFormat::Text);
    }

    #[test]
    fn lambda_log_levels_map_to_tracing_levels() {
        assert_eq!(level_from_setting(Some("DEBUG")), LevelFilter::DEBUG);
        assert_eq!(level_from_setting(Some("WARN")), LevelFilter::WARN);
        assert_eq!(level_from_setting(Some("FATAL")), LevelFilter::ERROR);
        assert_eq!(level_from_setting(Some("loud")), LevelFilter::INFO);
        assert_eq!(level_from_setting(None), LevelFilter::INFO);
    }

    #[test]
    fn quiet_targets_are_held_at_info_and_the_rest_passes() {
        let filter = held_at_info(&["aws_", "lambda_runtime"]);

        assert!(!filter.would_enable("aws_smithy_runtime::client", &Level::DEBUG));
        assert!(filter.would_enable("aws_smithy_runtime::client", &Level::INFO));
        assert!(!filter.would_enable("lambda_runtime_api_client", &Level::TRACE));
        assert!(filter.would_enable("studio_domain::lifecycle", &Level::TRACE));
    }
}
