//! Products: upsert by `id` or `source_id`.

use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::time::Timestamp;
use crate::model::{Product, ProductInput};

/// Creates or updates a product; returns it.
pub fn upsert(
    project: &mut Project,
    input: &ProductInput,
    now: Timestamp,
) -> Result<Product, ApiError> {
    if input.price.is_some_and(|p| p < 0) {
        return Err(ApiError::invalid_payload("Property .price should be >= 0"));
    }
    if let Some(id) = &input.id
        && !project.products.contains(id)
    {
        return Err(ApiError::not_found("product", id));
    }
    let existing = [input.id.as_deref(), input.source_id.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|k| project.products.resolve(k))
        .map(str::to_string);
    let id = match existing {
        Some(id) => id,
        None => {
            let id = project.ids.hex("prod_");
            if let Some(source) = &input.source_id {
                project.products.alias(source.clone(), id.clone());
            }
            project.products.put(
                id.clone(),
                Product {
                    id: id.clone(),
                    source_id: input.source_id.clone(),
                    created_at: Some(now),
                    object: "product".into(),
                    ..Product::default()
                },
            );
            id
        }
    };
    let product = project
        .products
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("product", &id))?;
    if product.created_at != Some(now) {
        product.updated_at = Some(now);
    }
    if input.name.is_some() {
        product.name = input.name.clone();
    }
    if input.price.is_some() {
        product.price = input.price;
    }
    if let Some(attributes) = &input.attributes {
        product.attributes = attributes.clone();
    }
    if input.image_url.is_some() {
        product.image_url = input.image_url.clone();
    }
    if let Some(metadata) = &input.metadata {
        product.metadata = metadata.clone();
    }
    Ok(product.clone())
}
