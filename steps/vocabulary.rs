//! The registered step definitions read back as QA write them: each definition's Cucumber
//! Expression (recovered from the regex cucumber compiled it to), its parameter types, an
//! example (the first use in the feature files, from the step's own area where it has one,
//! else one made from the parameters' examples),
//! and the dry-run check that finds undefined and ambiguous steps without calling any API.

use std::collections::HashSet;

use cucumber::World as _;
use cucumber::codegen::{StepConstructor as _, WorldInventory, inventory};
use cucumber::gherkin::{self, StepType};
use regex::Regex;

use super::params::{
    CartFlaw, Money, Offer, PercentParam, Period, SendChannel, Topics, TriggerPhrase, Website,
};
use super::world::HarnessWorld;
use crate::report::catalogue::{Finding, ParamDoc, Problem, StepEntry};

/// A registered step definition.
#[derive(Debug, Clone)]
pub struct Definition {
    pub kind: &'static str,
    pub regex: Regex,
    /// The Cucumber Expression, or the regex when it cannot be read back.
    pub expression: String,
    /// The step module (`coupons` for `steps/coupons.rs`).
    pub area: String,
    /// `steps/coupons.rs:51`
    pub location: String,
}

/// A parameter type: its name, the regex cucumber puts in a step's regex, what it means.
struct ParamType {
    name: &'static str,
    /// How the parameter appears inside a compiled step regex.
    compiled: String,
    meaning: &'static str,
    example: &'static str,
}

/// The template cucumber-expressions compiles `{string}` to (`ID` is the parameter's index).
const STRING_TEMPLATE: &str =
    r#"(?:"(?P<__ID_0>[^"\\]*(?:\\.[^"\\]*)*)"|'(?P<__ID_1>[^'\\]*(?:\\.[^'\\]*)*)')"#;

fn param_types() -> Vec<ParamType> {
    let custom = |regex: &str| format!("({regex})");
    vec![
        ParamType {
            name: "offer",
            compiled: custom(<Offer as cucumber::Parameter>::REGEX),
            meaning: "what a coupon gives: an amount or a percentage off (the order or each item, optionally capped), a fixed price, or units of a product free (`1 free \"Mug\"`, `... on top`)",
            example: "10.00 off",
        },
        ParamType {
            name: "money",
            compiled: custom(<Money as cucumber::Parameter>::REGEX),
            meaning: "an amount with up to two decimals",
            example: "40.00",
        },
        ParamType {
            name: "percent",
            compiled: custom(<PercentParam as cucumber::Parameter>::REGEX),
            meaning: "a percentage",
            example: "15%",
        },
        ParamType {
            name: "website",
            compiled: custom(<Website as cucumber::Parameter>::REGEX),
            meaning: "where a client-side call comes from: the shop's website or another website",
            example: "the shop's website",
        },
        ParamType {
            name: "flaw",
            compiled: custom(<CartFlaw as cucumber::Parameter>::REGEX),
            meaning: "a cart that is wrong on purpose: a negative cart amount, an item with a negative quantity or price",
            example: "a negative cart amount",
        },
        ParamType {
            name: "period",
            compiled: custom(<Period as cucumber::Parameter>::REGEX),
            meaning: "hour or minute",
            example: "hour",
        },
        ParamType {
            name: "channel",
            compiled: custom(<SendChannel as cucumber::Parameter>::REGEX),
            meaning: "how a distribution sends: e-mails, texts or posts (a webhook)",
            example: "e-mails",
        },
        ParamType {
            name: "trigger",
            compiled: custom(<TriggerPhrase as cucumber::Parameter>::REGEX),
            meaning: "when a distribution sends: when an order is paid, when a coupon is redeemed, when a redemption is rolled back, when a customer signs up, when a code is published to a customer, when loyalty points are added, when a customer joins the segment \"...\", when the custom event \"...\" happens",
            example: "when an order is paid",
        },
        ParamType {
            name: "topics",
            compiled: custom(<Topics as cucumber::Parameter>::REGEX),
            meaning: "webhook topics, separated by commas or \"and\" (see the webhook steps for the known ones)",
            example: "redemptions",
        },
        ParamType {
            name: "string",
            compiled: String::new(),
            meaning: "a name or text in double quotes",
            example: "\"SPRING10\"",
        },
        ParamType {
            name: "int",
            compiled: r"((?:-?\d+)|(?:\d+))".into(),
            meaning: "a whole number",
            example: "3",
        },
        ParamType {
            name: "float",
            compiled: r"([+-]?(?:inf|NaN|(?:\d+|\d+\.\d*|\d*\.\d+)(?:[eE][+-]?\d+)?))".into(),
            meaning: "a number",
            example: "2.5",
        },
        ParamType {
            name: "word",
            compiled: r"([^\s]+)".into(),
            meaning: "one word, such as a person's name",
            example: "Alice",
        },
    ]
}

/// The parameter types, for the catalogue's legend.
pub fn param_docs() -> Vec<ParamDoc> {
    param_types()
        .into_iter()
        .map(|p| ParamDoc {
            name: p.name.into(),
            meaning: p.meaning.into(),
            example: p.example.into(),
        })
        .collect()
}

/// Reads a Cucumber Expression back from the regex cucumber compiled it to; `None` when the
/// regex holds something the vocabulary does not describe.
pub fn expression_of(regex: &str) -> Option<String> {
    let mut s = regex.strip_prefix('^')?.strip_suffix('$')?.to_string();
    let string_re = regex::escape(STRING_TEMPLATE).replace("ID", r"\d+");
    let string_re = Regex::new(&string_re).ok()?;
    s = string_re.replace_all(&s, "{string}").into_owned();
    let mut types = param_types();
    types.retain(|t| !t.compiled.is_empty());
    types.sort_by_key(|t| std::cmp::Reverse(t.compiled.len()));
    for t in &types {
        s = s.replace(&t.compiled, &format!("{{{}}}", t.name));
    }
    let optional = Regex::new(r"\(\?:([^()|]*)\)\?").ok()?;
    s = optional.replace_all(&s, "(${1})").into_owned();
    let alternation = Regex::new(r"\(\?:([^()]*\|[^()]*)\)").ok()?;
    s = alternation
        .replace_all(&s, |c: &regex::Captures<'_>| c[1].replace('|', "/"))
        .into_owned();
    // What is left is literal text, escaped for the regex.
    let escaped = Regex::new(r"\\(.)").ok()?;
    if s.contains("(?") || s.contains('[') || s.contains(".*") {
        return None;
    }
    let s = escaped.replace_all(&s, "${1}").into_owned();
    Some(s)
}

/// Every registered step definition.
pub fn definitions() -> Vec<Definition> {
    type Given = <HarnessWorld as WorldInventory>::Given;
    type When = <HarnessWorld as WorldInventory>::When;
    type Then = <HarnessWorld as WorldInventory>::Then;
    let mut out = Vec::new();
    let mut push = |kind: &'static str, loc: cucumber::step::Location, regex: Regex| {
        let path = loc.path.replace('\\', "/");
        let file = path.rsplit('/').next().unwrap_or(&path).to_string();
        out.push(Definition {
            kind,
            expression: expression_of(regex.as_str()).unwrap_or_else(|| regex.to_string()),
            regex,
            area: file.trim_end_matches(".rs").to_string(),
            location: format!("steps/{file}:{}", loc.line),
        });
    };
    for s in inventory::iter::<Given> {
        let (loc, regex, _) = s.inner();
        push("Given", loc, regex());
    }
    for s in inventory::iter::<When> {
        let (loc, regex, _) = s.inner();
        push("When", loc, regex());
    }
    for s in inventory::iter::<Then> {
        let (loc, regex, _) = s.inner();
        push("Then", loc, regex());
    }
    out.sort_by(|a, b| {
        (a.area.as_str(), a.kind, &a.expression).cmp(&(b.area.as_str(), b.kind, &b.expression))
    });
    out
}

fn kind_name(ty: StepType) -> &'static str {
    match ty {
        StepType::Given => "Given",
        StepType::When => "When",
        StepType::Then => "Then",
    }
}

/// Every step of the features once (background steps once per file), with its file.
fn all_steps(features: &[gherkin::Feature]) -> Vec<(String, &gherkin::Step)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for f in features {
        let path = shown(f);
        let scenarios = f.scenarios.iter().map(|s| (None, s)).chain(
            f.rules
                .iter()
                .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s))),
        );
        for (rule, sc) in scenarios {
            let steps = f
                .background
                .iter()
                .chain(rule.and_then(|r| r.background.as_ref()))
                .flat_map(|bg| bg.steps.iter())
                .chain(sc.steps.iter());
            for st in steps {
                // Outline rows repeat a line with other values: keep each text once.
                if seen.insert((path.clone(), st.position.line, st.value.clone())) {
                    out.push((path.clone(), st));
                }
            }
        }
    }
    out
}

fn shown(f: &gherkin::Feature) -> String {
    let Some(path) = &f.path else {
        return f.name.clone();
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A step text made from an expression and the parameters' examples.
pub fn made_up_example(expression: &str) -> String {
    let mut s = expression.to_string();
    for p in param_types() {
        s = s.replace(&format!("{{{}}}", p.name), p.example);
    }
    let optional = Regex::new(r"\(([^()]*)\)").expect("a valid regex");
    s = optional.replace_all(&s, "${1}").into_owned();
    let alternation = Regex::new(r"([^\s/{}]+)(?:/[^\s/{}]+)+").expect("a valid regex");
    alternation.replace_all(&s, "${1}").into_owned()
}

/// The catalogue: every definition with its parameters and an example.
pub fn catalogue(features: &[gherkin::Feature]) -> Vec<StepEntry> {
    let steps = all_steps(features);
    let docs = param_docs();
    let name_re = Regex::new(r"\{(\w*)\}").expect("a valid regex");
    definitions()
        .into_iter()
        .map(|d| {
            // The first use, from the step's own area of features/ when it has one there.
            let uses = || {
                steps
                    .iter()
                    .filter(|(_, st)| kind_name(st.ty) == d.kind && d.regex.is_match(&st.value))
            };
            let own_area = format!("/{}/", d.area);
            let used = uses()
                .find(|(path, _)| path.to_string().contains(&own_area))
                .or_else(|| uses().next());
            let (example, example_at) = match used {
                Some((path, st)) => (
                    st.value.clone(),
                    Some(format!("{path}:{}", st.position.line)),
                ),
                None => (made_up_example(&d.expression), None),
            };
            let mut params = Vec::new();
            for c in name_re.captures_iter(&d.expression) {
                if let Some(doc) = docs.iter().find(|p| p.name == c[1])
                    && !params.contains(doc)
                {
                    params.push(doc.clone());
                }
            }
            StepEntry {
                kind: d.kind,
                expression: d.expression,
                area: d.area,
                location: d.location,
                example,
                example_at,
                params,
            }
        })
        .collect()
}

/// A Cucumber Expression for a step text: quoted text, percentages, amounts and numbers become
/// parameters.
pub fn suggested_expression(text: &str) -> String {
    let rules = [
        (r#""[^"]*""#, "{string}"),
        (r"\b\d+(?:\.\d+)?%", "{percent}"),
        (r"\b\d+\.\d{1,2}\b", "{money}"),
        (r"\b\d+\b", "{int}"),
    ];
    let mut s = text.to_string();
    for (re, name) in rules {
        let re = Regex::new(re).expect("a valid regex");
        s = re.replace_all(&s, name).into_owned();
    }
    s
}

fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Undefined and ambiguous steps in `features`, without running anything.
pub fn dry_run(features: &[gherkin::Feature]) -> (Vec<Finding>, usize) {
    let collection = HarnessWorld::collection();
    let entries = catalogue(features);
    let definitions = definitions();
    let steps = all_steps(features);
    let mut findings = Vec::new();
    for (path, st) in &steps {
        let kind = kind_name(st.ty);
        let problem = match collection.find(st) {
            Ok(Some(_)) => continue,
            Ok(None) => {
                let normalized = suggested_expression(&st.value);
                let closest = entries
                    .iter()
                    .filter(|e| e.kind == kind)
                    .map(|e| {
                        let d = distance(&normalized, &e.expression)
                            .min(distance(&st.value, &e.example));
                        (d, e)
                    })
                    .min_by_key(|(d, _)| *d)
                    .filter(|(d, _)| *d <= st.value.len().max(8) / 2)
                    .map(|(_, e)| {
                        format!(
                            "{} {}   (e.g. {} {})",
                            e.kind, e.expression, e.kind, e.example
                        )
                    });
                Problem::Undefined {
                    suggestion: format!(
                        "#[{}(expr = \"{}\")]",
                        kind.to_lowercase(),
                        normalized.replace('"', "\\\"")
                    ),
                    closest,
                }
            }
            Err(ambiguous) => Problem::Ambiguous {
                matches: ambiguous
                    .possible_matches
                    .iter()
                    .map(|(re, _)| {
                        definitions
                            .iter()
                            .find(|d| d.regex.as_str() == re.as_str())
                            .map(|d| format!("{} {}   ({})", d.kind, d.expression, d.location))
                            .unwrap_or_else(|| re.to_string())
                    })
                    .collect(),
            },
        };
        findings.push(Finding {
            path: path.clone(),
            line: st.position.line,
            keyword: st.keyword.trim().to_string(),
            text: st.value.clone(),
            problem,
        });
    }
    (findings, steps.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_reads_back_as_an_expression() {
        let defs = definitions();
        assert!(defs.len() > 20, "{} definitions", defs.len());
        for d in &defs {
            assert!(
                !d.expression.contains('\\') && !d.expression.contains("(?"),
                "{} at {} reads back as {:?}: describe its parameter type in steps/vocabulary.rs",
                d.kind,
                d.location,
                d.expression
            );
        }
        let coupon = defs
            .iter()
            .find(|d| d.expression == "a coupon {string} giving {offer}, usable {int} time(s)")
            .expect("the usable-times coupon step");
        assert_eq!(coupon.kind, "Given");
        assert_eq!(coupon.area, "coupons");
    }

    #[test]
    fn made_up_examples_match_their_own_definition_only() {
        let collection = HarnessWorld::collection();
        for d in definitions() {
            let text = made_up_example(&d.expression);
            assert!(
                d.regex.is_match(&text),
                "{} does not match {text:?}",
                d.expression
            );
            let step = gherkin::Step {
                keyword: d.kind.into(),
                ty: match d.kind {
                    "Given" => StepType::Given,
                    "When" => StepType::When,
                    _ => StepType::Then,
                },
                value: text.clone(),
                docstring: None,
                table: None,
                span: Default::default(),
                position: Default::default(),
            };
            assert!(
                matches!(collection.find(&step), Ok(Some(_))),
                "{text:?} matches no step or more than one"
            );
        }
    }

    #[test]
    fn suggestions_turn_values_into_parameters() {
        assert_eq!(
            suggested_expression("a cuopon \"X\" giving 1.00 off, usable 3 times at 15%"),
            "a cuopon {string} giving {money} off, usable {int} times at {percent}"
        );
        assert_eq!(distance("coupon", "cuopon"), 2);
    }
}
