//! What a run against a live project needs before it may start, checked before any call:
//! keys from the environment or a `.env` file (shown never, checked for shape), a host that is
//! a Voucherify API host or this machine (anything else only when explicitly allowed), and the
//! statement that the project is a Sandbox (`--sandbox` or `VOUCHERIFY_SANDBOX=1`).

use std::collections::HashMap;
use std::path::Path;

use crate::client::{Credentials, Secret};

/// The EU host, the default.
pub const DEFAULT_API_URL: &str = "https://api.voucherify.io";

/// The Voucherify API hosts: EU, US and Asia.
pub const API_HOSTS: [&str; 3] = [
    "api.voucherify.io",
    "us1.api.voucherify.io",
    "as1.api.voucherify.io",
];

/// Why a live run cannot start (exit code 2, before any call).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    #[error(
        "the live target needs {0}: set it in the environment or in a .env file in this folder"
    )]
    Missing(&'static str),
    #[error("{name} is malformed: {why}")]
    Malformed { name: &'static str, why: String },
    #[error("cannot read the .env file: {0}")]
    DotEnv(String),
    #[error("{0}")]
    Host(String),
    #[error(
        "a live run writes to the project (coupons, customers, redemptions): confirm that it is a \
         Sandbox project with --sandbox or VOUCHERIFY_SANDBOX=1"
    )]
    NotSandbox,
}

/// The environment and, under it, a `.env` file: a variable set in the environment wins.
#[derive(Debug, Default, Clone)]
pub struct Environment {
    dotenv: HashMap<String, String>,
}

impl Environment {
    /// Reads `path` (`.env`) if it exists; a file that does not parse is an error.
    pub fn load(path: &Path) -> Result<Self, LiveError> {
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let iter = dotenvy::from_path_iter(path).map_err(|e| dotenv_error(&e, &text))?;
        let mut dotenv = HashMap::new();
        for item in iter {
            let (k, v) = item.map_err(|e| dotenv_error(&e, &text))?;
            dotenv.insert(k, v);
        }
        Ok(Self { dotenv })
    }

    /// Only the given values (tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self {
            dotenv: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The variable from the environment, else from the `.env` file; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.dotenv.get(name).cloned())
            .filter(|v| !v.is_empty())
    }

    /// Only from the `.env` file.
    pub fn from_file(&self, name: &str) -> Option<String> {
        self.dotenv.get(name).cloned().filter(|v| !v.is_empty())
    }

    /// The project's keys, checked for shape (never shown).
    pub fn credentials(&self) -> Result<Credentials, LiveError> {
        let app_id = self
            .get("VOUCHERIFY_APP_ID")
            .ok_or(LiveError::Missing("VOUCHERIFY_APP_ID"))?;
        let secret = self
            .get("VOUCHERIFY_SECRET_KEY")
            .ok_or(LiveError::Missing("VOUCHERIFY_SECRET_KEY"))?;
        let credentials = Credentials {
            app_id,
            secret_key: Secret::new(secret),
        };
        check_credentials(&credentials)?;
        Ok(credentials)
    }

    /// `VOUCHERIFY_SANDBOX`: `1`, `true` or `yes` say the project is a Sandbox.
    pub fn sandbox(&self) -> Result<bool, LiveError> {
        match self.get("VOUCHERIFY_SANDBOX") {
            None => Ok(false),
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => Ok(true),
                "0" | "false" | "no" => Ok(false),
                _ => Err(LiveError::Malformed {
                    name: "VOUCHERIFY_SANDBOX",
                    why: "write 1 (a Sandbox project) or 0".into(),
                }),
            },
        }
    }
}

/// Why a `.env` file (whose content is `text`) does not parse, without its text: the line may
/// hold a key. Only the line's number and the variable's name are shown.
fn dotenv_error(error: &dotenvy::Error, text: &str) -> LiveError {
    match error {
        dotenvy::Error::LineParse(line, _) => {
            let number = text
                .find(line.as_str())
                .map(|at| text[..at].matches('\n').count() + 1);
            let name: String = line
                .trim_start()
                .trim_start_matches("export ")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let at = match (number, name.is_empty()) {
                (Some(n), false) => format!("line {n} ({name})"),
                (Some(n), true) => format!("line {n}"),
                (None, false) => format!("the line of {name}"),
                (None, true) => "a line".to_string(),
            };
            LiveError::DotEnv(format!(
                "{at} is not NAME=value (an unclosed quote, or a stray character); the line is \
                 not shown, as it may hold a key"
            ))
        }
        other => LiveError::DotEnv(other.to_string()),
    }
}

/// A key is one word of letters, digits, `-` and `_`; the secret is never shown, not even in
/// part.
pub fn check_credentials(c: &Credentials) -> Result<(), LiveError> {
    check_key("VOUCHERIFY_APP_ID", &c.app_id)?;
    check_key("VOUCHERIFY_SECRET_KEY", c.secret_key.expose())?;
    if c.app_id == c.secret_key.expose() {
        return Err(LiveError::Malformed {
            name: "VOUCHERIFY_SECRET_KEY",
            why: "it is the application id: the secret key is the other key of the project".into(),
        });
    }
    Ok(())
}

fn check_key(name: &'static str, value: &str) -> Result<(), LiveError> {
    let why = if value.trim().is_empty() {
        Some("it is empty".to_string())
    } else if value.chars().any(char::is_whitespace) {
        Some("it contains a space or a line break (copy the key alone)".to_string())
    } else if value.starts_with('<') || value.ends_with('>') {
        Some("it is still a placeholder: put the key itself".to_string())
    } else if value.len() < 4 || value.len() > 200 {
        Some(format!(
            "{} characters is not the length of a key",
            value.len()
        ))
    } else if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Some("a key has only letters, digits, '-' and '_'".to_string())
    } else {
        None
    };
    match why {
        Some(why) => Err(LiveError::Malformed { name, why }),
        None => Ok(()),
    }
}

/// The host a live run may send its keys to: a Voucherify API host over https, or this machine
/// (an emulator); any other host only with `allow_other`.
pub fn check_host(base_url: &str, allow_other: bool) -> Result<(), LiveError> {
    let url = reqwest::Url::parse(base_url).map_err(|e| {
        LiveError::Host(format!(
            "the API base URL is not a URL ({e}): give it like {DEFAULT_API_URL}"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(LiveError::Host(format!(
            "the API base URL must be http or https, not {}",
            url.scheme()
        )));
    }
    let path = url.path().trim_end_matches('/');
    if path.ends_with("/v1") {
        return Err(LiveError::Host(format!(
            "give the API base URL without /v1 (e.g. {DEFAULT_API_URL}): the harness adds it"
        )));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let voucherify = API_HOSTS.contains(&host.as_str()) || host.ends_with(".api.voucherify.io");
    if voucherify && url.scheme() != "https" {
        return Err(LiveError::Host(format!(
            "{host} must be reached over https: the keys would travel in clear"
        )));
    }
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if voucherify || loopback || allow_other {
        return Ok(());
    }
    Err(LiveError::Host(format!(
        "{host} is neither a Voucherify API host ({}) nor this machine, and the secret key would \
         be sent there; pass --allow-host if you mean it",
        API_HOSTS.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(app: &str, secret: &str) -> Credentials {
        Credentials {
            app_id: app.into(),
            secret_key: Secret::new(secret),
        }
    }

    #[test]
    fn malformed_keys_are_named_and_never_shown() {
        assert!(check_credentials(&creds("c70a6f00-cf91-4756-9df5", "3266b9f8-e246-4f79")).is_ok());
        for (app, secret, name, why) in [
            ("app 1", "s3cr3t-key", "VOUCHERIFY_APP_ID", "a space"),
            ("app1", "s3cr3t-key\r", "VOUCHERIFY_SECRET_KEY", "a space"),
            (
                "app1",
                "<your secret key>",
                "VOUCHERIFY_SECRET_KEY",
                "a space",
            ),
            ("app1", "<secret>", "VOUCHERIFY_SECRET_KEY", "placeholder"),
            ("app1", "s3cr\"et", "VOUCHERIFY_SECRET_KEY", "only letters"),
            ("app1", "app1", "VOUCHERIFY_SECRET_KEY", "application id"),
        ] {
            let e = check_credentials(&creds(app, secret)).unwrap_err();
            let text = e.to_string();
            assert!(text.starts_with(name), "{text}");
            assert!(text.contains(why), "{text}");
            if secret.len() > 4 && name.ends_with("SECRET_KEY") {
                assert!(!text.contains(secret.trim()), "the key is shown: {text}");
            }
        }
    }

    #[test]
    fn a_env_file_that_does_not_parse_is_named_by_line_without_its_text() {
        let dir = std::env::temp_dir().join(format!("dotenv-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(".env");
        std::fs::write(
            &file,
            "VOUCHERIFY_APP_ID=app-1\nVOUCHERIFY_SECRET_KEY=\"s3cr3t-unclosed\n",
        )
        .unwrap();
        let text = Environment::load(&file).unwrap_err().to_string();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(text.contains("line 2 (VOUCHERIFY_SECRET_KEY)"), "{text}");
        assert!(!text.contains("s3cr3t"), "the key is shown: {text}");
    }

    #[test]
    fn keys_come_from_the_environment_or_the_file() {
        let env = Environment::from_pairs(&[("VOUCHERIFY_HARNESS_TEST_ONLY", "x")]);
        assert_eq!(
            env.get("VOUCHERIFY_HARNESS_TEST_ONLY").as_deref(),
            Some("x")
        );
        assert_eq!(
            env.from_file("VOUCHERIFY_HARNESS_TEST_ONLY").as_deref(),
            Some("x")
        );
        let dir = std::env::temp_dir().join(format!("dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(".env");
        std::fs::write(
            &file,
            "A_HARNESS_KEY=\"quoted value\"\n# a comment\nB_HARNESS_KEY=2\n",
        )
        .unwrap();
        let env = Environment::load(&file).unwrap();
        assert_eq!(
            env.from_file("A_HARNESS_KEY").as_deref(),
            Some("quoted value")
        );
        assert!(
            Environment::load(&dir.join("missing"))
                .unwrap()
                .get("B_HARNESS_KEY")
                .is_none()
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            Environment::from_pairs(&[("VOUCHERIFY_SANDBOX", "maybe")])
                .sandbox()
                .is_err()
        );
        assert!(
            Environment::from_pairs(&[("VOUCHERIFY_SANDBOX", "1")])
                .sandbox()
                .unwrap()
        );
    }

    #[test]
    fn keys_go_only_to_voucherify_or_this_machine() {
        for ok in [
            "https://api.voucherify.io",
            "https://us1.api.voucherify.io/",
            "https://as1.api.voucherify.io",
            "http://127.0.0.1:7700",
            "http://localhost:7700",
            "http://[::1]:7700",
        ] {
            assert_eq!(check_host(ok, false), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("https://api.example.com", "pass --allow-host"),
            ("http://api.voucherify.io", "over https"),
            ("https://api.voucherify.io/v1", "without /v1"),
            ("api.voucherify.io", "not a URL"),
            ("ftp://127.0.0.1", "http or https"),
        ] {
            let e = check_host(bad, false).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert_eq!(check_host("https://proxy.internal:8443", true), Ok(()));
    }
}
