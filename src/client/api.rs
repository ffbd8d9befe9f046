//! Typed methods, one per API operation the harness uses.

use reqwest::Method;

use super::{Client, ClientError};
use crate::model::{
    Campaign, CampaignInput, Category, CategoryInput, Customer, CustomerInput, List, Order,
    OrderInput, Product, ProductInput, PromotionTier, QualificationRequest, QualificationResponse,
    Redemption, RedemptionResponse, RedemptionRollback, RollbackRequest, RollbacksResponse,
    Segment, SegmentInput, ValidationRequest, ValidationResponse, ValidationRule,
    ValidationRuleInput, Voucher, VoucherInput,
};

type Query<'a> = &'a [(&'a str, String)];

const NO_BODY: Option<&()> = None;

impl Client {
    // Vouchers

    /// `POST /v1/vouchers/{code}` when the input has a code, else `POST /v1/vouchers`.
    pub async fn create_voucher(&self, input: &VoucherInput) -> Result<Voucher, ClientError> {
        match &input.code {
            Some(code) => {
                self.call(Method::POST, &["v1", "vouchers", code], &[], Some(input))
                    .await
            }
            None => {
                self.call(Method::POST, &["v1", "vouchers"], &[], Some(input))
                    .await
            }
        }
    }

    pub async fn get_voucher(&self, code: &str) -> Result<Voucher, ClientError> {
        self.call(Method::GET, &["v1", "vouchers", code], &[], NO_BODY)
            .await
    }

    pub async fn update_voucher(
        &self,
        code: &str,
        input: &VoucherInput,
    ) -> Result<Voucher, ClientError> {
        self.call(Method::PUT, &["v1", "vouchers", code], &[], Some(input))
            .await
    }

    pub async fn delete_voucher(&self, code: &str) -> Result<(), ClientError> {
        let q = [("force", "true".to_string())];
        self.call::<serde_json::Value>(Method::DELETE, &["v1", "vouchers", code], &q, NO_BODY)
            .await
            .map(|_| ())
    }

    /// Releases what a validation session holds of a code.
    pub async fn release_session(&self, code: &str, key: &str) -> Result<(), ClientError> {
        self.call::<serde_json::Value>(
            Method::DELETE,
            &["v1", "vouchers", code, "sessions", key],
            &[],
            NO_BODY,
        )
        .await
        .map(|_| ())
    }

    pub async fn enable_voucher(&self, code: &str) -> Result<Voucher, ClientError> {
        self.call(
            Method::POST,
            &["v1", "vouchers", code, "enable"],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn disable_voucher(&self, code: &str) -> Result<Voucher, ClientError> {
        self.call(
            Method::POST,
            &["v1", "vouchers", code, "disable"],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn list_vouchers(&self, query: Query<'_>) -> Result<List<Voucher>, ClientError> {
        self.call(Method::GET, &["v1", "vouchers"], query, NO_BODY)
            .await
    }

    /// `GET /v1/vouchers/{code}/redemption`: the code's redemption entries.
    pub async fn voucher_redemptions(
        &self,
        code: &str,
    ) -> Result<List<serde_json::Value>, ClientError> {
        self.call(
            Method::GET,
            &["v1", "vouchers", code, "redemption"],
            &[],
            NO_BODY,
        )
        .await
    }

    // Customers, products, orders

    pub async fn upsert_customer(&self, input: &CustomerInput) -> Result<Customer, ClientError> {
        self.call(Method::POST, &["v1", "customers"], &[], Some(input))
            .await
    }

    pub async fn get_customer(&self, id_or_source_id: &str) -> Result<Customer, ClientError> {
        self.call(
            Method::GET,
            &["v1", "customers", id_or_source_id],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn delete_customer(&self, id_or_source_id: &str) -> Result<(), ClientError> {
        self.call::<serde_json::Value>(
            Method::DELETE,
            &["v1", "customers", id_or_source_id],
            &[],
            NO_BODY,
        )
        .await
        .map(|_| ())
    }

    pub async fn upsert_product(&self, input: &ProductInput) -> Result<Product, ClientError> {
        self.call(Method::POST, &["v1", "products"], &[], Some(input))
            .await
    }

    pub async fn get_product(&self, id_or_source_id: &str) -> Result<Product, ClientError> {
        self.call(
            Method::GET,
            &["v1", "products", id_or_source_id],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn upsert_order(&self, input: &OrderInput) -> Result<Order, ClientError> {
        self.call(Method::POST, &["v1", "orders"], &[], Some(input))
            .await
    }

    pub async fn get_order(&self, id_or_source_id: &str) -> Result<Order, ClientError> {
        self.call(
            Method::GET,
            &["v1", "orders", id_or_source_id],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn list_orders(&self, query: Query<'_>) -> Result<List<Order>, ClientError> {
        self.call(Method::GET, &["v1", "orders"], query, NO_BODY)
            .await
    }

    // Validations and redemptions

    pub async fn validate(
        &self,
        request: &ValidationRequest,
    ) -> Result<ValidationResponse, ClientError> {
        self.call(Method::POST, &["v1", "validations"], &[], Some(request))
            .await
    }

    pub async fn redeem(
        &self,
        request: &ValidationRequest,
    ) -> Result<RedemptionResponse, ClientError> {
        self.call(Method::POST, &["v1", "redemptions"], &[], Some(request))
            .await
    }

    pub async fn get_redemption(&self, id: &str) -> Result<Redemption, ClientError> {
        self.call(Method::GET, &["v1", "redemptions", id], &[], NO_BODY)
            .await
    }

    /// `GET /v1/redemptions` with filters such as `result`, `customer`, `order`.
    pub async fn list_redemptions(
        &self,
        query: Query<'_>,
    ) -> Result<List<serde_json::Value>, ClientError> {
        self.call(Method::GET, &["v1", "redemptions"], query, NO_BODY)
            .await
    }

    /// `POST /v1/redemptions/{id}/rollback` (a redemption outside a stack).
    pub async fn rollback(
        &self,
        id: &str,
        request: &RollbackRequest,
    ) -> Result<RedemptionRollback, ClientError> {
        self.call(
            Method::POST,
            &["v1", "redemptions", id, "rollback"],
            &[],
            Some(request),
        )
        .await
    }

    /// `POST /v1/redemptions/{parentId}/rollbacks` (a stack, or a redemption without parent).
    pub async fn rollback_stacked(
        &self,
        id: &str,
        request: &RollbackRequest,
    ) -> Result<RollbacksResponse, ClientError> {
        self.call(
            Method::POST,
            &["v1", "redemptions", id, "rollbacks"],
            &[],
            Some(request),
        )
        .await
    }

    // Rules, campaigns, promotions, categories, segments, qualifications

    pub async fn create_validation_rule(
        &self,
        input: &ValidationRuleInput,
    ) -> Result<ValidationRule, ClientError> {
        self.call(Method::POST, &["v1", "validation-rules"], &[], Some(input))
            .await
    }

    pub async fn create_campaign(&self, input: &CampaignInput) -> Result<Campaign, ClientError> {
        self.call(Method::POST, &["v1", "campaigns"], &[], Some(input))
            .await
    }

    pub async fn get_campaign(&self, id_or_name: &str) -> Result<Campaign, ClientError> {
        self.call(Method::GET, &["v1", "campaigns", id_or_name], &[], NO_BODY)
            .await
    }

    pub async fn update_campaign(
        &self,
        id_or_name: &str,
        input: &CampaignInput,
    ) -> Result<Campaign, ClientError> {
        self.call(
            Method::PUT,
            &["v1", "campaigns", id_or_name],
            &[],
            Some(input),
        )
        .await
    }

    pub async fn delete_campaign(&self, id_or_name: &str) -> Result<(), ClientError> {
        let q = [("force", "true".to_string())];
        self.call::<serde_json::Value>(
            Method::DELETE,
            &["v1", "campaigns", id_or_name],
            &q,
            NO_BODY,
        )
        .await
        .map(|_| ())
    }

    pub async fn promotion_tiers(
        &self,
        campaign: &str,
    ) -> Result<List<PromotionTier>, ClientError> {
        self.call(
            Method::GET,
            &["v1", "promotions", campaign, "tiers"],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn disable_promotion_tier(&self, id: &str) -> Result<PromotionTier, ClientError> {
        self.call(
            Method::POST,
            &["v1", "promotions", "tiers", id, "disable"],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn disable_campaign(
        &self,
        id_or_name: &str,
    ) -> Result<serde_json::Value, ClientError> {
        self.call(
            Method::POST,
            &["v1", "campaigns", id_or_name, "disable"],
            &[],
            NO_BODY,
        )
        .await
    }

    pub async fn create_category(&self, input: &CategoryInput) -> Result<Category, ClientError> {
        self.call(Method::POST, &["v1", "categories"], &[], Some(input))
            .await
    }

    pub async fn create_segment(&self, input: &SegmentInput) -> Result<Segment, ClientError> {
        self.call(Method::POST, &["v1", "segments"], &[], Some(input))
            .await
    }

    pub async fn qualify(
        &self,
        request: &QualificationRequest,
    ) -> Result<QualificationResponse, ClientError> {
        self.call(Method::POST, &["v1", "qualifications"], &[], Some(request))
            .await
    }
}
