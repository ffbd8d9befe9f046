//! Reads the parts of a `multipart/form-data` body that is already in memory (the API's CSV
//! imports send a `file` part). The body is bounded by the request size limit, so the parts
//! are borrowed slices of it.

use super::error::ApiError;

/// One part of a form.
#[derive(Debug, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub data: &'a [u8],
}

/// The API's answer when the request is not a form with a `file` part.
pub fn missing_file() -> ApiError {
    ApiError::invalid_payload("Payload should have required property 'file'")
}

/// The parts of `body`, given the request's `Content-Type`.
pub fn parts<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Vec<Part<'a>>, ApiError> {
    let content_type = content_type.unwrap_or_default();
    let (mime, params) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(missing_file());
    }
    let boundary = params
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_payload("The multipart/form-data Content-Type has no boundary")
        })?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = match find(body, &delimiter) {
        Some(at) => &body[at + delimiter.len()..],
        None => return Err(malformed("the boundary never appears")),
    };
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .ok_or_else(|| malformed("a boundary line is not followed by a line break"))?;
        let (head_len, sep_len) = find(rest, b"\r\n\r\n")
            .map(|at| (at, 4))
            .or_else(|| find(rest, b"\n\n").map(|at| (at, 2)))
            .ok_or_else(|| malformed("a part has no blank line after its headers"))?;
        let head = String::from_utf8_lossy(&rest[..head_len]).into_owned();
        let content = &rest[head_len + sep_len..];
        let end = find(content, &delimiter)
            .ok_or_else(|| malformed("the closing boundary is missing"))?;
        let mut data = &content[..end];
        data = data
            .strip_suffix(b"\r\n")
            .or_else(|| data.strip_suffix(b"\n"))
            .unwrap_or(data);
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .unwrap_or_default();
        if let Some(name) = param(disposition, "name") {
            parts.push(Part {
                name,
                filename: param(disposition, "filename"),
                data,
            });
        }
        rest = &content[end + delimiter.len()..];
    }
}

fn malformed(why: &str) -> ApiError {
    ApiError::invalid_payload(format!("The multipart/form-data body is malformed: {why}"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `name="file"` in a `Content-Disposition` header.
fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// A form with one file part, as `curl -F file=@codes.csv` sends it; with the boundary to
/// put in the `Content-Type`.
pub fn form_with_file(filename: &str, data: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----voucherify-harness-7d1c4b2a9e";
    let mut body = Vec::with_capacity(data.len() + 512);
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_the_form_it_writes() {
        let (content_type, body) =
            form_with_file("codes.csv", b"Code\nA\n", &[("webhooks_enable", "true")]);
        let parts = parts(Some(&content_type), &body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "webhooks_enable");
        assert_eq!(parts[0].data, b"true");
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("codes.csv"));
        assert_eq!(parts[1].data, b"Code\nA\n");
    }

    #[test]
    fn reads_curl_style_bodies_and_refuses_others() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nCode\r\nA\r\n\r\n--XyZ--\r\n";
        let parts = parts(Some("multipart/form-data; boundary=\"XyZ\""), body).unwrap();
        assert_eq!(parts[0].data, b"Code\r\nA\r\n");
        let details = |e: ApiError| e.body()["details"].as_str().unwrap().to_string();
        assert_eq!(
            details(super::parts(Some("application/json"), b"{}").unwrap_err()),
            "Payload should have required property 'file'"
        );
        assert!(
            details(
                super::parts(Some("multipart/form-data; boundary=Q"), b"--Q\r\nno end")
                    .unwrap_err()
            )
            .contains("malformed")
        );
    }
}
