//! Categories (for stacking) and static customer segments (for customer rules).

use std::collections::BTreeSet;

use super::customers;
use crate::emulator::error::ApiError;
use crate::emulator::store::{Project, StoredSegment};
use crate::engine::eligibility::Category as EngineCategory;
use crate::engine::time::Timestamp;
use crate::model::{Category, CategoryInput, Segment, SegmentInput};

pub fn create(
    project: &mut Project,
    input: &CategoryInput,
    now: Timestamp,
) -> Result<Category, ApiError> {
    let name = input
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_payload("Payload should have required property 'name'"))?;
    let hierarchy = input.hierarchy.ok_or_else(|| {
        ApiError::invalid_payload("Payload should have required property 'hierarchy'")
    })?;
    if project.categories.contains(&name) {
        return Err(ApiError::duplicate("category", &name));
    }
    let category = Category {
        id: project.ids.hex("cat_"),
        name: name.clone(),
        hierarchy,
        created_at: Some(now),
        updated_at: None,
        object: "category".into(),
    };
    project.categories.alias(name, category.id.clone());
    project
        .categories
        .put(category.id.clone(), category.clone());
    Ok(category)
}

/// The category named by id or name, if any is named; 404 when it does not exist.
pub fn resolve(
    project: &Project,
    id: Option<&str>,
    name: Option<&str>,
) -> Result<Option<Category>, ApiError> {
    match id.or(name) {
        None => Ok(None),
        Some(key) => project
            .categories
            .get(key)
            .cloned()
            .map(Some)
            .ok_or_else(|| ApiError::not_found("category", key)),
    }
}

/// The engine's view of a category.
pub fn for_engine(project: &Project, id: Option<&str>) -> Option<EngineCategory> {
    let c = project.categories.get(id?)?;
    Some(EngineCategory {
        id: c.id.clone(),
        hierarchy: c.hierarchy,
    })
}

/// `categories` as objects print it.
pub fn listed(category: Option<&Category>) -> Vec<serde_json::Value> {
    category
        .map(|c| serde_json::to_value(c).unwrap_or_default())
        .into_iter()
        .collect()
}

pub fn create_segment(
    project: &mut Project,
    input: &SegmentInput,
    now: Timestamp,
) -> Result<Segment, ApiError> {
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid_payload(
            "Property .name should NOT be shorter than 1 characters",
        ));
    }
    if input.kind != "static" {
        return Err(ApiError::bad_request(
            "invalid_segment",
            "Invalid segment",
            "The emulator reproduces static segments only (type: static)",
        ));
    }
    let mut members = BTreeSet::new();
    for key in input.customers.iter().flatten() {
        let id = project
            .customers
            .resolve(key)
            .ok_or_else(|| ApiError::not_found("customer", key))?;
        members.insert(id.to_string());
    }
    let segment = Segment {
        id: project.ids.alnum("seg_", 24),
        name: input.name.clone(),
        created_at: Some(now),
        kind: "static".into(),
        filter: None,
        initial_sync_status: "DONE".into(),
        object: "segment".into(),
    };
    project.segments.put(
        segment.id.clone(),
        StoredSegment {
            segment: segment.clone(),
            members: members.clone(),
        },
    );
    for member in &members {
        let data = serde_json::json!({
            "customer": customers::view(project, member),
            "segment": {"id": segment.id, "name": segment.name, "object": "segment"},
        });
        project.emit("customer.segment.entered", member, Some(member), data, now);
        let moment = super::loyalty::Moment {
            event: "customer.segment.entered",
            customer_id: member,
            order: None,
            event_metadata: None,
            segment_id: Some(&segment.id),
            card: None,
        };
        super::loyalty::earn(project, &moment, now)?;
    }
    Ok(segment)
}

/// Ids of the segments a customer belongs to.
pub fn segments_of(project: &Project, customer_id: &str) -> Vec<String> {
    project
        .segments
        .oldest_first()
        .filter(|s| s.members.contains(customer_id))
        .map(|s| s.segment.id.clone())
        .collect()
}
