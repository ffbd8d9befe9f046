//! Validation rules and their assignments to vouchers, campaigns and promotion tiers.

use crate::emulator::error::ApiError;
use crate::emulator::store::{Project, StoredRule};
use crate::engine::applicable::ApplicableTo;
use crate::engine::eligibility::AssignedRules;
use crate::engine::rules;
use crate::engine::time::Timestamp;
use crate::model::{Assignment, ValidationRule, ValidationRuleInput};

const KINDS: [&str; 4] = ["expression", "basic", "advanced", "complex"];
const RELATED: [&str; 3] = ["voucher", "campaign", "promotion_tier"];

fn invalid(details: impl Into<String>) -> ApiError {
    ApiError::bad_request(
        "invalid_validation_rules",
        "Invalid Validation Rule Definition",
        details,
    )
}

/// Parses the rules and targets of an input, refusing bad definitions before anything is stored.
fn parse(input: &ValidationRuleInput) -> Result<(rules::RuleSet, Option<ApplicableTo>), ApiError> {
    let parsed =
        rules::parse(input.rules.as_ref().unwrap_or(&serde_json::Value::Null)).map_err(invalid)?;
    let applicable_to = ApplicableTo::parse(
        input
            .applicable_to
            .as_ref()
            .unwrap_or(&serde_json::Value::Null),
    )
    .map_err(invalid)?;
    if let Some(kind) = input.kind.as_deref()
        && !KINDS.contains(&kind)
    {
        return Err(invalid(format!(
            "Type '{kind}' is not one of {}",
            KINDS.join(", ")
        )));
    }
    Ok((parsed, applicable_to))
}

pub fn create(
    project: &mut Project,
    input: &ValidationRuleInput,
    now: Timestamp,
) -> Result<ValidationRule, ApiError> {
    let name = input
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_payload("Payload should have required property 'name'"))?;
    let (parsed, applicable_to) = parse(input)?;
    let id = project.ids.alnum("val_", 12);
    let rule = ValidationRule {
        id: id.clone(),
        name,
        rules: input.rules.clone().unwrap_or_else(|| serde_json::json!({})),
        error: input.error.clone(),
        applicable_to: input.applicable_to.clone().unwrap_or_else(
            || serde_json::json!({"included": [], "excluded": [], "included_all": false}),
        ),
        created_at: Some(now),
        updated_at: None,
        kind: input.kind.clone().unwrap_or_else(|| "expression".into()),
        context_type: input
            .context_type
            .clone()
            .unwrap_or_else(|| "global".into()),
        assignments_count: 0,
        object: "validation_rules".into(),
    };
    project.rules.put(
        id,
        StoredRule {
            rule: rule.clone(),
            parsed,
            applicable_to,
        },
    );
    Ok(rule)
}

pub fn update(
    project: &mut Project,
    id: &str,
    input: &ValidationRuleInput,
    now: Timestamp,
) -> Result<ValidationRule, ApiError> {
    let current = project
        .rules
        .get(id)
        .ok_or_else(|| ApiError::not_found("validation_rules", id))?
        .clone();
    let merged = ValidationRuleInput {
        name: input.name.clone().or(Some(current.rule.name.clone())),
        rules: input.rules.clone().or(Some(current.rule.rules.clone())),
        error: input.error.clone().or(current.rule.error.clone()),
        applicable_to: input
            .applicable_to
            .clone()
            .or(Some(current.rule.applicable_to.clone())),
        kind: input.kind.clone().or(Some(current.rule.kind.clone())),
        context_type: input
            .context_type
            .clone()
            .or(Some(current.rule.context_type.clone())),
    };
    let (parsed, applicable_to) = parse(&merged)?;
    let stored = project
        .rules
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("validation_rules", id))?;
    stored.rule.name = merged.name.unwrap_or_default();
    stored.rule.rules = merged.rules.unwrap_or_default();
    stored.rule.error = merged.error;
    stored.rule.applicable_to = merged.applicable_to.unwrap_or_default();
    stored.rule.kind = merged.kind.unwrap_or_default();
    stored.rule.context_type = merged.context_type.unwrap_or_default();
    stored.rule.updated_at = Some(now);
    stored.parsed = parsed;
    stored.applicable_to = applicable_to;
    Ok(stored.rule.clone())
}

/// Deletes a rule and its assignments.
pub fn delete(project: &mut Project, id: &str) -> Result<(), ApiError> {
    project
        .rules
        .remove(id)
        .ok_or_else(|| ApiError::not_found("validation_rules", id))?;
    let gone: Vec<String> = project
        .assignments
        .oldest_first()
        .filter(|a| a.rule_id == id)
        .map(|a| a.id.clone())
        .collect();
    for a in gone {
        project.assignments.remove(&a);
    }
    Ok(())
}

/// The rule as returned, with its live assignment count.
pub fn view(project: &Project, id: &str) -> Result<ValidationRule, ApiError> {
    let stored = project
        .rules
        .get(id)
        .ok_or_else(|| ApiError::not_found("validation_rules", id))?;
    let mut rule = stored.rule.clone();
    rule.assignments_count = project
        .assignments
        .oldest_first()
        .filter(|a| a.rule_id == id)
        .count() as i64;
    Ok(rule)
}

/// The stored id of the object an assignment names (a voucher may be named by code).
fn related_id(project: &Project, kind: &str, id: &str) -> Result<String, ApiError> {
    match kind {
        "voucher" => project
            .vouchers
            .get(id)
            .map(|v| v.id.clone())
            .ok_or_else(|| ApiError::not_found("voucher", id)),
        "campaign" => project
            .campaigns
            .get(id)
            .map(|c| c.id.clone())
            .ok_or_else(|| ApiError::not_found("campaign", id)),
        "promotion_tier" => project
            .tiers
            .get(id)
            .map(|t| t.id.clone())
            .ok_or_else(|| ApiError::not_found("promotion_tier", id)),
        other => Err(ApiError::invalid_payload(format!(
            "Property .related_object_type should be equal to one of the allowed values: {} (got {other})",
            RELATED.join(", ")
        ))),
    }
}

/// Checks that every rule id exists (before anything is created).
pub fn check_ids(project: &Project, ids: &[String]) -> Result<(), ApiError> {
    match ids.iter().find(|id| !project.rules.contains(id)) {
        Some(missing) => Err(ApiError::not_found("validation_rules", missing)),
        None => Ok(()),
    }
}

/// Assigns rule `rule_id` to an object; 409 when it already is.
pub fn assign(
    project: &mut Project,
    rule_id: &str,
    kind: &str,
    id: &str,
    now: Timestamp,
) -> Result<Assignment, ApiError> {
    if !project.rules.contains(rule_id) {
        return Err(ApiError::not_found("validation_rules", rule_id));
    }
    let related = related_id(project, kind, id)?;
    if let Some(existing) = project
        .assignments
        .oldest_first()
        .find(|a| a.rule_id == rule_id && a.related_object_id == related)
    {
        return Err(ApiError::duplicate(
            "validation_rules_assignment",
            &existing.id,
        ));
    }
    let assignment = Assignment {
        id: project.ids.alnum("asgm_", 16),
        rule_id: rule_id.to_string(),
        related_object_id: related,
        related_object_type: kind.to_string(),
        created_at: Some(now),
        object: "validation_rules_assignment".into(),
    };
    project
        .assignments
        .put(assignment.id.clone(), assignment.clone());
    Ok(assignment)
}

/// Assigns several rules to a new object (ids checked first with [`check_ids`]).
pub fn assign_all(
    project: &mut Project,
    ids: &[String],
    kind: &str,
    related: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    check_ids(project, ids)?;
    for id in ids {
        assign(project, id, kind, related, now)?;
    }
    Ok(())
}

pub fn unassign(project: &mut Project, rule_id: &str, assignment_id: &str) -> Result<(), ApiError> {
    if !project.rules.contains(rule_id) {
        return Err(ApiError::not_found("validation_rules", rule_id));
    }
    match project.assignments.get(assignment_id) {
        Some(a) if a.rule_id == rule_id => {
            project.assignments.remove(assignment_id);
            Ok(())
        }
        _ => Err(ApiError::not_found(
            "validation_rules_assignment",
            assignment_id,
        )),
    }
}

/// The rules assigned to these objects (e.g. a code and its campaign), ready for the engine.
pub fn assigned(project: &Project, related: &[&str]) -> Vec<AssignedRules> {
    project
        .assignments
        .oldest_first()
        .filter(|a| related.contains(&a.related_object_id.as_str()))
        .filter_map(|a| project.rules.get(&a.rule_id))
        .map(|s| AssignedRules {
            id: s.rule.id.clone(),
            rules: s.parsed.clone(),
            error: s.rule.error.as_ref().map(|e| e.message.clone()),
            applicable_to: s.applicable_to.clone(),
        })
        .collect()
}

/// Removes the assignments of a deleted object.
pub fn forget(project: &mut Project, related: &str) {
    let gone: Vec<String> = project
        .assignments
        .oldest_first()
        .filter(|a| a.related_object_id == related)
        .map(|a| a.id.clone())
        .collect();
    for a in gone {
        project.assignments.remove(&a);
    }
}
