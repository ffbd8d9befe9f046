//! A project's client-side (public) keys and the web origins allowed to use them, for the
//! `/client/v1` API that web pages and mobile apps call directly.

use std::sync::RwLock;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::ApiError;

/// Client-side access as the control plane shows and sets it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientAccess {
    pub client_application_id: String,
    pub client_token: String,
    /// Origins (`scheme://host[:port]`) allowed to call; `*` allows any.
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub object: String,
}

/// The body of `PUT /_emulator/projects/{id}/client-side`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClientAccessChange {
    pub allowed_origins: Vec<String>,
}

/// Why a client-side call was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginProblem {
    Missing,
    NotAllowed(String),
}

/// A project's client-side keys, made the first time client-side access is set.
#[derive(Debug, Default)]
pub struct ClientKeys {
    access: RwLock<Option<ClientAccess>>,
}

impl ClientKeys {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<ClientAccess>> {
        self.access.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the allowed origins, making the keys if the project has none yet.
    pub fn set(&self, change: ClientAccessChange) -> Result<ClientAccess, ApiError> {
        let mut origins = Vec::with_capacity(change.allowed_origins.len());
        for (i, origin) in change.allowed_origins.iter().enumerate() {
            let origin = normalize(origin);
            let valid = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && origin.split("://").nth(1).is_some_and(|host| {
                        !host.is_empty() && !host.contains('/') && !host.contains(' ')
                    }));
            if !valid {
                return Err(ApiError::invalid_payload(format!(
                    "Property .allowed_origins[{i}] should be an origin such as https://shop.example.com, or *"
                )));
            }
            origins.push(origin);
        }
        let mut access = self.access.write().unwrap_or_else(|p| p.into_inner());
        let current = access.get_or_insert_with(|| {
            let mut rng = rand::rng();
            ClientAccess {
                client_application_id: uuid_like(&mut rng),
                client_token: uuid_like(&mut rng),
                allowed_origins: Vec::new(),
                object: "client_side".into(),
            }
        });
        current.allowed_origins = origins;
        Ok(current.clone())
    }

    pub fn get(&self) -> Option<ClientAccess> {
        self.read().clone()
    }

    /// True when these are the project's client-side keys.
    pub fn matches(&self, app_id: &str, token: &str) -> bool {
        self.read().as_ref().is_some_and(|a| {
            a.client_application_id == app_id
                && constant_time_eq(a.client_token.as_bytes(), token.as_bytes())
        })
    }

    /// Checks the `origin` header of a client-side call.
    pub fn check_origin(&self, origin: Option<&str>) -> Result<(), OriginProblem> {
        let origin = origin
            .map(normalize)
            .filter(|o| !o.is_empty())
            .ok_or(OriginProblem::Missing)?;
        let allowed = self
            .read()
            .as_ref()
            .is_some_and(|a| a.allowed_origins.iter().any(|o| o == "*" || *o == origin));
        if allowed {
            Ok(())
        } else {
            Err(OriginProblem::NotAllowed(origin))
        }
    }
}

/// An origin compared as browsers send it: no trailing slash, case-insensitive.
fn normalize(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn uuid_like(rng: &mut impl Rng) -> String {
    let b: [u8; 16] = rng.random();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(origins: &[&str]) -> (ClientKeys, ClientAccess) {
        let k = ClientKeys::default();
        let a = k
            .set(ClientAccessChange {
                allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
            })
            .unwrap();
        (k, a)
    }

    #[test]
    fn only_the_keys_and_listed_origins_pass() {
        let (k, a) = keys(&["https://Shop.example.com/"]);
        assert!(k.matches(&a.client_application_id, &a.client_token));
        assert!(!k.matches(&a.client_application_id, "wrong"));
        assert_eq!(k.check_origin(Some("https://shop.example.com")), Ok(()));
        assert_eq!(
            k.check_origin(Some("https://elsewhere.example.net")),
            Err(OriginProblem::NotAllowed(
                "https://elsewhere.example.net".into()
            ))
        );
        assert_eq!(k.check_origin(None), Err(OriginProblem::Missing));
    }

    #[test]
    fn keys_stay_when_origins_change() {
        let (k, a) = keys(&["*"]);
        assert_eq!(k.check_origin(Some("http://localhost:3000")), Ok(()));
        let b = k
            .set(ClientAccessChange {
                allowed_origins: vec![],
            })
            .unwrap();
        assert_eq!(a.client_token, b.client_token);
        assert!(k.check_origin(Some("http://localhost:3000")).is_err());
    }

    #[test]
    fn malformed_origins_are_refused() {
        let k = ClientKeys::default();
        for bad in ["shop.example.com", "https://", "https://a.b/path"] {
            let e = k
                .set(ClientAccessChange {
                    allowed_origins: vec![bad.into()],
                })
                .unwrap_err();
            assert_eq!(e.status().as_u16(), 400, "{bad}");
        }
        assert!(k.get().is_none());
    }
}
