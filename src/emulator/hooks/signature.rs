//! The `x-voucherify-signature` header: the hex HMAC-SHA256 of a webhook's exact body bytes,
//! keyed with the project's webhook secret. Used by the emulator to sign and by the harness's
//! webhook sink to verify.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-voucherify-signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"))
}

/// The signature of `body` under `secret`, as lower-case hex.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = mac(secret.as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// True when `signature` (hex, either case) is the signature of `body` under `secret`; the
/// comparison takes the same time wherever the first difference is.
pub fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature.trim()) else {
        return false;
    };
    let mut mac = mac(secret.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The webhook secret of a project: derived from its id and secret key with HMAC, so it is
/// stable for the project's life (resets included), differs between projects, and does not
/// reveal the secret key.
pub fn project_secret(project_id: &str, secret_key: &str) -> String {
    let mut mac = mac(secret_key.as_bytes());
    mac.update(b"webhook-secret:");
    mac.update(project_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_hmac_sha256_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verifies_only_the_exact_body_and_key() {
        let body = br#"{"type":"redemption.succeeded"}"#;
        let sig = sign("k1", body);
        assert!(verify("k1", body, &sig));
        assert!(verify("k1", body, &sig.to_uppercase()));
        assert!(!verify("k2", body, &sig));
        assert!(!verify("k1", br#"{"type": "redemption.succeeded"}"#, &sig));
        assert!(!verify("k1", body, "not hex"));
        assert!(!verify("k1", body, ""));
    }

    #[test]
    fn project_secrets_differ_and_hide_the_key() {
        let a = project_secret("proj_a", "secret-key-1");
        assert_eq!(a, project_secret("proj_a", "secret-key-1"));
        assert_ne!(a, project_secret("proj_b", "secret-key-1"));
        assert_ne!(a, project_secret("proj_a", "secret-key-2"));
        assert!(!a.contains("secret-key-1"));
        assert_eq!(a.len(), 64);
    }
}
