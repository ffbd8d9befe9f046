//! `POST /v1/validations`: stacked validation.

use crate::emulator::answer::Json;
use axum::Extension;
use axum::Router;
use axum::routing::post;

use super::{Body, Current, open};
use crate::emulator::clock::wall_now;
use crate::emulator::error::ApiResult;
use crate::emulator::extract::json;
use crate::emulator::ops::checkout;
use crate::emulator::store::Emulator;
use crate::model::{ValidationRequest, ValidationResponse};

pub async fn validations_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<ValidationResponse>> {
    let req: ValidationRequest = json(&body)?;
    let validated = if req.session.is_some() {
        let (mut project, now) = open(&slot);
        checkout::validate_locked(&mut project, &req, now)?
    } else {
        let project = slot.read();
        let now = project.clock.now(wall_now());
        checkout::validate_shared(&project, &req, now)?
    };
    Ok(Json(validated.answer(&req)))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new().route("/v1/validations", post(validations_create))
}
