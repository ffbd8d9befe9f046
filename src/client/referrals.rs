//! Typed methods for referral code holders and customers' wallets.

use reqwest::Method;

use super::{Client, ClientError};
use crate::model::referral::HoldersAdded;
use crate::model::{CustomerInput, HoldersInput, List, Publication, RedeemableHolder};

const NO_BODY: Option<&()> = None;

impl Client {
    /// `GET /v1/customers/{id}/redeemables`: the codes a customer holds, newest first.
    pub async fn customer_redeemables(
        &self,
        customer: &str,
    ) -> Result<List<RedeemableHolder>, ClientError> {
        let q = [("limit", "100".to_string())];
        self.call(
            Method::GET,
            &["v1", "customers", customer, "redeemables"],
            &q,
            NO_BODY,
        )
        .await
    }

    /// Adds referees to a published referral code.
    pub async fn add_referral_holders(
        &self,
        campaign: &str,
        code: &str,
        holders: &[CustomerInput],
    ) -> Result<HoldersAdded, ClientError> {
        let body = HoldersInput {
            holders: Some(holders.to_vec()),
            metadata: None,
        };
        self.call(
            Method::POST,
            &["v1", "referrals", campaign, "members", code, "holders"],
            &[],
            Some(&body),
        )
        .await
    }

    /// The holders of a referral code: its referrer and the referees.
    pub async fn referral_holders(
        &self,
        campaign: &str,
        code: &str,
    ) -> Result<List<RedeemableHolder>, ClientError> {
        let q = [("limit", "100".to_string())];
        self.call(
            Method::GET,
            &["v1", "referrals", campaign, "members", code, "holders"],
            &q,
            NO_BODY,
        )
        .await
    }

    /// `GET /v1/publications` for one customer, newest first.
    pub async fn publications_of(&self, customer: &str) -> Result<List<Publication>, ClientError> {
        let q = [
            ("customer", customer.to_string()),
            ("limit", "100".to_string()),
        ];
        self.call(Method::GET, &["v1", "publications"], &q, NO_BODY)
            .await
    }
}
