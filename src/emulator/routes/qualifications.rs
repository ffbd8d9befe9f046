//! `POST /v1/qualifications`.

use crate::emulator::answer::Json;
use axum::routing::post;
use axum::{Extension, Router};

use super::{Body, Current, open};
use crate::emulator::error::ApiResult;
use crate::emulator::extract::json_or_default;
use crate::emulator::ops::qualifications;
use crate::emulator::store::Emulator;
use crate::model::{QualificationRequest, QualificationResponse};

pub async fn qualifications_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<QualificationResponse>> {
    let req: QualificationRequest = json_or_default(&body)?;
    let (mut project, now) = open(&slot);
    qualifications::qualify(&mut project, &req, now).map(Json)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new().route("/v1/qualifications", post(qualifications_create))
}
