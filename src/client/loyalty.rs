//! Typed methods for loyalty programs, rewards, gift cards, publications and custom events.

use reqwest::Method;

use super::{Client, ClientError};
use crate::model::{
    Balance, BalanceInput, Campaign, CampaignInput, EarningRule, EventInput, List, MemberInput,
    Publication, PublicationInput, Redemption, Reward, RewardAssignment, RewardAssignmentInput,
    RewardRedemptionInput, Transaction, Voucher,
};

const NO_BODY: Option<&()> = None;

impl Client {
    pub async fn create_loyalty_program(
        &self,
        input: &CampaignInput,
    ) -> Result<Campaign, ClientError> {
        self.call(Method::POST, &["v1", "loyalties"], &[], Some(input))
            .await
    }

    pub async fn add_member(
        &self,
        program: &str,
        input: &MemberInput,
    ) -> Result<Voucher, ClientError> {
        self.call(
            Method::POST,
            &["v1", "loyalties", program, "members"],
            &[],
            Some(input),
        )
        .await
    }

    pub async fn get_member(&self, program: &str, member: &str) -> Result<Voucher, ClientError> {
        self.call(
            Method::GET,
            &["v1", "loyalties", program, "members", member],
            &[],
            NO_BODY,
        )
        .await
    }

    /// Adds (positive) or removes (negative) points on a member's card.
    pub async fn change_points(
        &self,
        program: &str,
        member: &str,
        points: i64,
        reason: &str,
    ) -> Result<Balance, ClientError> {
        let body = BalanceInput {
            points: Some(points),
            reason: Some(reason.to_string()),
            ..BalanceInput::default()
        };
        self.call(
            Method::POST,
            &["v1", "loyalties", program, "members", member, "balance"],
            &[],
            Some(&body),
        )
        .await
    }

    pub async fn member_transactions(
        &self,
        program: &str,
        member: &str,
    ) -> Result<List<Transaction>, ClientError> {
        let q = [("limit", "100".to_string())];
        self.call(
            Method::GET,
            &[
                "v1",
                "loyalties",
                program,
                "members",
                member,
                "transactions",
            ],
            &q,
            NO_BODY,
        )
        .await
    }

    pub async fn create_earning_rules(
        &self,
        program: &str,
        rules: &[EarningRule],
    ) -> Result<Vec<EarningRule>, ClientError> {
        self.call(
            Method::POST,
            &["v1", "loyalties", program, "earning-rules"],
            &[],
            Some(rules),
        )
        .await
    }

    pub async fn create_reward(&self, reward: &Reward) -> Result<Reward, ClientError> {
        self.call(Method::POST, &["v1", "rewards"], &[], Some(reward))
            .await
    }

    pub async fn assign_reward(
        &self,
        reward: &str,
        input: &RewardAssignmentInput,
    ) -> Result<RewardAssignment, ClientError> {
        self.call(
            Method::POST,
            &["v1", "rewards", reward, "assignments"],
            &[],
            Some(input),
        )
        .await
    }

    pub async fn redeem_reward(
        &self,
        program: &str,
        member: &str,
        input: &RewardRedemptionInput,
    ) -> Result<Redemption, ClientError> {
        self.call(
            Method::POST,
            &["v1", "loyalties", program, "members", member, "redemption"],
            &[],
            Some(input),
        )
        .await
    }

    pub async fn voucher_transactions(&self, code: &str) -> Result<List<Transaction>, ClientError> {
        let q = [("limit", "100".to_string())];
        self.call(
            Method::GET,
            &["v1", "vouchers", code, "transactions"],
            &q,
            NO_BODY,
        )
        .await
    }

    pub async fn publish(
        &self,
        input: &PublicationInput,
        join_once: bool,
    ) -> Result<Publication, ClientError> {
        let q: Vec<(&str, String)> = if join_once {
            vec![("join_once", "true".into())]
        } else {
            vec![]
        };
        self.call(Method::POST, &["v1", "publications"], &q, Some(input))
            .await
    }

    pub async fn track_event(&self, input: &EventInput) -> Result<serde_json::Value, ClientError> {
        self.call(Method::POST, &["v1", "events"], &[], Some(input))
            .await
    }
}
