//! Seed data from a fixtures folder, loaded into any target through the API
//! (`voucherify-harness seed --fixtures DIR`):
//!
//! - `customers.json`: an array of customers (`POST /v1/customers`, an upsert);
//! - `products.json`: an array of products (`POST /v1/products`, an upsert);
//! - `campaigns.json`: an array of campaigns (`POST /v1/campaigns`; one that exists is kept);
//! - every `*.csv`: legacy codes (`POST /v1/vouchers/importCSV`, in files of at most
//!   [`ROWS_PER_FILE`] rows so that each stays under the API's 10 MB limit); a code that
//!   exists is updated from its row, so seeding twice is safe.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::client::{Client, ClientError};
use crate::emulator::error::ApiError;
use crate::emulator::ops::imports;
use crate::model::{CampaignInput, CustomerInput, ImportFailure, ProductInput};

/// Rows sent per CSV import.
pub const ROWS_PER_FILE: usize = 100_000;

/// How long one import may take before the seed stops waiting for it.
const IMPORT_WAIT: Duration = Duration::from_secs(600);

/// Why seeding stopped.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{path}: {why}")]
    Fixture { path: PathBuf, why: String },
    #[error("{what} failed: {source}")]
    Call {
        what: String,
        #[source]
        source: ClientError,
    },
}

/// What a seed loaded.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub customers: usize,
    pub products: usize,
    pub campaigns_created: usize,
    /// Campaigns that were there already (same name).
    pub campaigns_kept: usize,
    pub codes_imported: i64,
    /// Rows the API refused, with their file.
    pub refused: Vec<(PathBuf, ImportFailure)>,
    /// Notes for the reader (columns imported as metadata).
    pub notes: Vec<String>,
}

/// The fixtures of a folder, read and checked before anything is sent.
#[derive(Debug, Default)]
pub struct Fixtures {
    pub customers: Vec<CustomerInput>,
    pub products: Vec<ProductInput>,
    pub campaigns: Vec<CampaignInput>,
    /// Legacy-code CSV files with their rows (header excluded).
    pub csv: Vec<(PathBuf, Vec<u8>, usize)>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, SeedError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let fail = |why: String| SeedError::Fixture {
        path: path.to_path_buf(),
        why,
    };
    let text = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    serde_json::from_slice(&text)
        .map_err(|e| fail(format!("not a JSON array of the API's objects: {e}")))
}

impl Fixtures {
    /// Reads `dir`; a CSV without a `Code` column (or another header error) is named here.
    pub fn read(dir: &Path) -> Result<Self, SeedError> {
        if !dir.is_dir() {
            return Err(SeedError::Fixture {
                path: dir.to_path_buf(),
                why: "not a folder".into(),
            });
        }
        let mut csv_paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| SeedError::Fixture {
                path: dir.to_path_buf(),
                why: e.to_string(),
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
            .collect();
        csv_paths.sort();
        let mut csv = Vec::new();
        for path in csv_paths {
            let bytes = std::fs::read(&path).map_err(|e| SeedError::Fixture {
                path: path.clone(),
                why: e.to_string(),
            })?;
            imports::csv_header(&bytes).map_err(|e| SeedError::Fixture {
                path: path.clone(),
                why: details(&e),
            })?;
            let rows = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(bytes.as_slice())
                .records()
                .count();
            csv.push((path, bytes, rows));
        }
        Ok(Self {
            customers: read_json(&dir.join("customers.json"))?,
            products: read_json(&dir.join("products.json"))?,
            campaigns: read_json(&dir.join("campaigns.json"))?,
            csv,
        })
    }

    fn total(&self) -> u64 {
        (self.customers.len()
            + self.products.len()
            + self.campaigns.len()
            + self.csv.iter().map(|(_, _, rows)| rows).sum::<usize>()) as u64
    }
}

fn details(error: &ApiError) -> String {
    error.body()["details"]
        .as_str()
        .map_or_else(|| error.body().to_string(), str::to_string)
}

/// Splits a CSV into files of at most `rows` data rows, each with the header.
pub fn split_csv(bytes: &[u8], rows: usize) -> Vec<Vec<u8>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let Some(Ok(header)) = records.next() else {
        return vec![bytes.to_vec()];
    };
    let mut files = Vec::new();
    let mut writer: Option<csv::Writer<Vec<u8>>> = None;
    let mut count = 0;
    for record in records.flatten() {
        let w = writer.get_or_insert_with(|| {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(Vec::new());
            let _ = w.write_byte_record(&header);
            w
        });
        let _ = w.write_byte_record(&record);
        count += 1;
        if count == rows {
            files.extend(writer.take().and_then(|w| w.into_inner().ok()));
            count = 0;
        }
    }
    files.extend(writer.and_then(|w| w.into_inner().ok()));
    if files.is_empty() {
        files.push(bytes.to_vec());
    }
    files
}

/// Loads `fixtures` through `client`, showing a progress bar when `progress` is on.
pub async fn seed(
    client: &Client,
    fixtures: &Fixtures,
    progress: bool,
) -> Result<SeedReport, SeedError> {
    let bar = if progress {
        ProgressBar::new(fixtures.total())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let call = |what: String| move |source| SeedError::Call { what, source };
    let mut report = SeedReport::default();
    bar.set_message("customers");
    for customer in &fixtures.customers {
        let who = customer
            .source_id
            .clone()
            .or(customer.id.clone())
            .unwrap_or_default();
        client
            .upsert_customer(customer)
            .await
            .map_err(call(format!("loading the customer {who}")))?;
        report.customers += 1;
        bar.inc(1);
    }
    bar.set_message("products");
    for product in &fixtures.products {
        let what = product
            .source_id
            .clone()
            .or(product.name.clone())
            .unwrap_or_default();
        client
            .upsert_product(product)
            .await
            .map_err(call(format!("loading the product {what}")))?;
        report.products += 1;
        bar.inc(1);
    }
    bar.set_message("campaigns");
    for campaign in &fixtures.campaigns {
        let name = campaign.name.clone().unwrap_or_default();
        match client.create_campaign(campaign).await {
            Ok(_) => report.campaigns_created += 1,
            Err(e) if e.status() == Some(409) => report.campaigns_kept += 1,
            Err(e) => return Err(call(format!("creating the campaign {name}"))(e)),
        }
        bar.inc(1);
    }
    for (path, bytes, _) in &fixtures.csv {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        if let Ok(header) = imports::csv_header(bytes) {
            for column in header.metadata_columns() {
                report.notes.push(format!(
                    "{name}: the column '{column}' is not a voucher field: each code keeps it as the metadata property '{column}'"
                ));
            }
        }
        let mut row_offset = 0u64;
        for part in split_csv(bytes, ROWS_PER_FILE) {
            bar.set_message(name.clone());
            let rows_in_part = csv::Reader::from_reader(part.as_slice()).records().count() as u64;
            let id = client
                .import_vouchers_csv(&name, &part)
                .await
                .map_err(call(format!("importing {name}")))?;
            let start = bar.position();
            let action = client
                .wait_for_async_action(&id, IMPORT_WAIT, |percent| {
                    bar.set_position(start + rows_in_part * percent.clamp(0, 100) as u64 / 100);
                })
                .await
                .map_err(call(format!("reading the import of {name}")))?;
            bar.set_position(start + rows_in_part);
            let result = action.result.unwrap_or_default();
            report.codes_imported += result.done_count;
            for mut failure in result.failed {
                failure.row = failure.row.map(|r| r + row_offset);
                report.refused.push((path.clone(), failure));
            }
            row_offset += rows_in_part;
        }
    }
    bar.finish_and_clear();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_files_are_split_with_their_header() {
        let csv = b"Code,Value\nA,1\nB,2\n\"C,\nD\",3\n";
        let parts = split_csv(csv, 2);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], b"Code,Value\nA,1\nB,2\n");
        assert_eq!(parts[1], b"Code,Value\n\"C,\nD\",3\n");
        assert_eq!(split_csv(b"Code\n", 2), vec![b"Code\n".to_vec()]);
    }

    #[test]
    fn the_shipped_fixtures_read() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let fixtures = Fixtures::read(&dir).unwrap();
        assert!(!fixtures.customers.is_empty());
        assert!(!fixtures.products.is_empty());
        assert!(!fixtures.campaigns.is_empty());
        assert!(fixtures.csv.iter().any(|(_, _, rows)| *rows > 0));
    }
}
