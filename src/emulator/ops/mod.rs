//! Operations on one project's data: each checks its whole input first, then changes the
//! project, so a refused request leaves nothing half-written. Handlers call these while
//! holding the project's lock.

pub mod answers;
pub mod campaigns;
pub mod categories;
pub mod checkout;
pub mod custom_events;
pub mod customers;
pub mod imports;
pub mod loyalty;
pub mod orders;
pub mod products;
pub mod promotions;
pub mod publications;
pub mod qualifications;
pub mod referrals;
pub mod resolve;
pub mod rollback;
pub mod rules;
pub mod sessions;
pub mod vouchers;

/// A page of a list: `limit` 1-100 (default 10) and `page` from 1 up to `max_page`.
pub struct Page {
    pub limit: usize,
    pub page: usize,
}

impl Page {
    pub fn from_params(
        params: &super::extract::Params,
        max_page: i64,
    ) -> Result<Self, super::error::ApiError> {
        Ok(Self {
            limit: params.int("limit", 10, 1, 100)? as usize,
            page: params.int("page", 1, 1, max_page)? as usize,
        })
    }

    /// The rows of this page.
    pub fn slice<T: Clone>(&self, rows: &[T]) -> Vec<T> {
        rows.iter()
            .skip((self.page - 1) * self.limit)
            .take(self.limit)
            .cloned()
            .collect()
    }
}
