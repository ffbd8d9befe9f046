//! Properties of the emulator over HTTP: whatever a client sends, the answer is a 200 whose
//! totals keep the API's invariants or a 4xx error object; never a 5xx, never a dropped
//! connection (a panic), never a half-applied redemption.
//!
//! Each property runs 2,000 cases by default (`PROPTEST_CASES` overrides); a failure prints its
//! seed (`PROPTEST_RNG_SEED` replays it) and is kept in `proptest-regressions/`, which later
//! runs replay first.

use std::net::SocketAddr;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};
use voucherify_harness::emulator::clock::wall_now;
use voucherify_harness::emulator::{Emulator, ProjectSpec, Running};

const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/http_properties.txt"
);

/// The codes every case may use: unlimited ones of each discount kind, and a limited one.
const CODES: &[&str] = &["AMT", "PCT", "CAP", "FIX", "ITEMS", "PROP", "LIMITED"];

/// One emulator for the whole test binary, on a runtime of its own.
struct Harness {
    runtime: tokio::runtime::Runtime,
    base: String,
    http: reqwest::Client,
    _running: Running,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let emulator = Emulator::new(ProjectSpec::default(), wall_now());
        let running = runtime
            .block_on(Running::start(
                emulator,
                SocketAddr::from(([127, 0, 0, 1], 0)),
            ))
            .expect("the emulator starts");
        Harness {
            base: running.url(),
            http: voucherify_harness::client::http_client(Default::default()),
            runtime,
            _running: running,
        }
    })
}

/// A project of its own for one property, so properties running side by side never meet.
struct Project {
    app_id: String,
    secret: String,
}

impl Harness {
    /// A new project with the codes every case may use.
    fn project(&self) -> Project {
        let created: Value = self.runtime.block_on(async {
            self.http
                .post(format!("{}/_emulator/projects", self.base))
                .json(&json!({}))
                .send()
                .await
                .expect("the control plane answers")
                .json()
                .await
                .expect("a project")
        });
        let project = Project {
            app_id: created["app_id"].as_str().expect("app_id").to_string(),
            secret: created["secret_key"]
                .as_str()
                .expect("secret_key")
                .to_string(),
        };
        for (code, discount, quantity) in [
            ("AMT", json!({"type": "AMOUNT", "amount_off": 1_000}), None),
            ("PCT", json!({"type": "PERCENT", "percent_off": 15}), None),
            (
                "CAP",
                json!({"type": "PERCENT", "percent_off": 99.99, "amount_limit": 5_000}),
                None,
            ),
            ("FIX", json!({"type": "FIXED", "fixed_amount": 2_500}), None),
            (
                "ITEMS",
                json!({"type": "PERCENT", "percent_off": 20, "effect": "APPLY_TO_ITEMS"}),
                None,
            ),
            (
                "PROP",
                json!({"type": "AMOUNT", "amount_off": 777, "effect": "APPLY_TO_ITEMS_PROPORTIONALLY"}),
                None,
            ),
            (
                "LIMITED",
                json!({"type": "AMOUNT", "amount_off": 100}),
                Some(25),
            ),
        ] {
            let body = json!({"type": "DISCOUNT_VOUCHER", "discount": discount, "redemption": {"quantity": quantity}});
            let (status, answer) = self
                .send(
                    &project,
                    "POST",
                    &format!("/v1/vouchers/{code}"),
                    body.to_string().into_bytes(),
                )
                .expect("the emulator answers");
            assert_eq!(status, 200, "creating {code}: {answer}");
        }
        project
    }

    /// Sends `body` as is; `Err` when no answer came (the connection broke: a panic).
    fn send(
        &self,
        project: &Project,
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(u16, Value), String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        self.runtime.block_on(async {
            let resp = self
                .http
                .request(method, format!("{}{path}", self.base))
                .header("X-App-Id", &project.app_id)
                .header("X-App-Token", &project.secret)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| format!("no answer: {e}"))?;
            let status = resp.status().as_u16();
            let text = resp
                .text()
                .await
                .map_err(|e| format!("broken answer: {e}"))?;
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            Ok((status, body))
        })
    }

    /// How often each code has been redeemed, from the API.
    fn redeemed(&self, project: &Project) -> Result<Vec<(String, i64)>, String> {
        let (status, body) = self.send(project, "GET", "/v1/vouchers?limit=100", Vec::new())?;
        if status != 200 {
            return Err(format!("listing vouchers answered {status}: {body}"));
        }
        let mut counts: Vec<(String, i64)> = body["vouchers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                (
                    v["code"].as_str().unwrap_or("").to_string(),
                    v["redemption"]["redeemed_quantity"].as_i64().unwrap_or(-1),
                )
            })
            .filter(|(c, _)| CODES.contains(&c.as_str()))
            .collect();
        counts.sort();
        Ok(counts)
    }
}

/// The runner configuration: 2,000 cases unless `PROPTEST_CASES` says otherwise, a seed that
/// is printed on failure, and failures kept in `proptest-regressions/`.
fn config() -> (Config, u64) {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 2_000;
    }
    let seed = match config.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => rand::random(),
    };
    config.rng_seed = RngSeed::Fixed(seed);
    config.failure_persistence = Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS)));
    (config, seed)
}

fn check<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let (config, seed) = config();
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    match runner.run(&strategy, test) {
        Ok(()) => eprintln!("{name}: {cases} cases passed (seed {seed})"),
        Err(e) => panic!(
            "{name} failed with seed {seed} (rerun with PROPTEST_RNG_SEED={seed}; the case is \
             kept in proptest-regressions/http_properties.txt):\n{e}"
        ),
    }
}

/// An answer that is not a 2xx must be the API's error object with a 4xx status.
fn error_object(status: u16, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(
        (400..500).contains(&status),
        "a server error: {status} {body}"
    );
    if status == 413 {
        prop_assert_eq!(&body["statusCode"], &json!(413));
        return Ok(());
    }
    prop_assert_eq!(&body["code"], &json!(status), "code of {}", body);
    prop_assert!(body["message"].is_string(), "message of {body}");
    if status != 429 {
        prop_assert!(body["key"].is_string(), "key of {body}");
    }
    prop_assert!(
        body["request_id"]
            .as_str()
            .is_some_and(|r| r.starts_with("v-")),
        "request_id of {body}"
    );
    Ok(())
}

/// The API's order totals: discounts between zero and the amount, totals that add up.
fn order_invariants(order: &Value) -> Result<(), TestCaseError> {
    let n = |field: &str| order[field].as_i64().unwrap_or(0);
    let amount = n("amount");
    let total_discount = n("total_discount_amount");
    prop_assert!(amount >= 0, "amount {amount} in {order}");
    prop_assert!(
        (0..=amount).contains(&total_discount),
        "total discount {total_discount} of {amount}"
    );
    prop_assert_eq!(n("total_amount"), amount - total_discount);
    prop_assert_eq!(
        total_discount,
        n("discount_amount") + n("items_discount_amount")
    );
    let mut items_discount = 0i64;
    for item in order["items"].as_array().into_iter().flatten() {
        let d = item["discount_amount"].as_i64().unwrap_or(0);
        let a = item["amount"].as_i64().unwrap_or(0);
        prop_assert!(d >= 0 && d <= a.max(0), "item discount {d} of {a}: {item}");
        items_discount += d;
    }
    prop_assert_eq!(n("items_discount_amount"), items_discount);
    Ok(())
}

fn edge_id() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["beans", "grinder", "mug", "beans"]).prop_map(str::to_string),
        2 => "\\PC{1,40}",
        1 => ("[a-zA-Z]", 1_000usize..4_000).prop_map(|(c, n)| c.repeat(n)),
        1 => Just("☕️ Kaffee – 100 % Arábica 咖啡 🫘".to_string()),
    ]
}

fn edge_money() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 0i64..100_000,
        1 => Just(0i64),
        1 => (i64::MAX / 2)..=i64::MAX,
        1 => Just(i64::MAX),
        1 => i64::MIN..0,
    ]
}

fn edge_quantity() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 1i64..10,
        1 => Just(0i64),
        1 => 1_000_000i64..=i64::MAX,
        1 => -5i64..0,
    ]
}

fn item() -> impl Strategy<Value = Value> {
    (
        edge_id(),
        proptest::option::of(edge_quantity()),
        proptest::option::of(edge_money()),
        proptest::option::weighted(0.2, edge_money()),
    )
        .prop_map(|(id, quantity, price, amount)| {
            let mut item = json!({"source_id": id, "related_object": "product"});
            if let Some(q) = quantity {
                item["quantity"] = json!(q);
            }
            if let Some(p) = price {
                item["price"] = json!(p);
            }
            if let Some(a) = amount {
                item["amount"] = json!(a);
            }
            item
        })
}

fn items() -> impl Strategy<Value = Option<Vec<Value>>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Vec::new())),
        6 => proptest::collection::vec(item(), 1..8).prop_map(Some),
        1 => proptest::collection::vec(item(), 495..=501).prop_map(Some),
    ]
}

/// A checkout with an edge-case cart: (redeem?, body).
fn edge_checkout() -> impl Strategy<Value = (bool, Value)> {
    (
        any::<bool>(),
        proptest::collection::vec(prop::sample::select(CODES.to_vec()), 1..4),
        items(),
        proptest::option::of(edge_money()),
        proptest::option::of(edge_id()),
    )
        .prop_map(|(redeem, codes, items, amount, customer)| {
            let mut order = json!({});
            if let Some(items) = items {
                order["items"] = Value::Array(items);
            }
            if let Some(a) = amount {
                order["amount"] = json!(a);
            }
            let mut body = json!({
                "redeemables": codes.iter().map(|c| json!({"object": "voucher", "id": c})).collect::<Vec<_>>(),
                "order": order,
            });
            if let Some(c) = customer {
                body["customer"] = json!({"source_id": c});
            }
            (redeem, body)
        })
}

#[test]
fn edge_case_carts_get_totals_that_keep_the_invariants_or_a_4xx() {
    let h = harness();
    let p = h.project();
    let expected = std::sync::Mutex::new(h.redeemed(&p).expect("the vouchers"));
    check("edge-case carts", edge_checkout(), |(redeem, body)| {
        let path = if redeem {
            "/v1/redemptions"
        } else {
            "/v1/validations"
        };
        let (status, answer) = h
            .send(&p, "POST", path, body.to_string().into_bytes())
            .map_err(TestCaseError::fail)?;
        let mut expected = expected.lock().unwrap_or_else(|p| p.into_inner());
        if status == 200 {
            if redeem {
                order_invariants(&answer["order"])?;
                for r in answer["redemptions"].as_array().into_iter().flatten() {
                    order_invariants(&r["order"])?;
                    let code = r["voucher"]["code"].as_str().unwrap_or("");
                    if let Some(entry) = expected.iter_mut().find(|(c, _)| c == code) {
                        entry.1 += 1;
                    }
                }
            } else if answer["valid"] == json!(true) {
                order_invariants(&answer["order"])?;
                for r in answer["redeemables"].as_array().into_iter().flatten() {
                    order_invariants(&r["order"])?;
                }
            } else {
                prop_assert!(answer.get("order").is_none_or(Value::is_null));
            }
        } else {
            error_object(status, &answer)?;
        }
        // Nothing but a successful redemption changes how often a code was used.
        if redeem {
            let actual = h.redeemed(&p).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&actual, &*expected, "after {} {}", status, answer);
        }
        Ok(())
    });
}

/// A valid checkout body to bend out of shape.
fn valid_body() -> Value {
    json!({
        "redeemables": [{"object": "voucher", "id": "AMT"}, {"object": "voucher", "id": "PCT"}],
        "order": {
            "amount": 10_000,
            "items": [{"source_id": "beans", "quantity": 2, "price": 5_000}],
        },
        "customer": {"source_id": "alice"},
    })
}

/// A mutation of a valid body and whether it must be refused.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove a property the API requires.
    Delete(&'static str),
    /// Give a typed property a value of the wrong type.
    Retype(&'static str, Value),
    /// Repeat a property with another value (JSON allows it; the last one wins).
    Duplicate(&'static str, Value),
    /// Cut the body at this fraction of its length.
    Truncate(u8),
    /// Arbitrary bytes.
    Bytes(Vec<u8>),
    /// Arrays nested this deep.
    Nest(usize),
}

const REQUIRED: &[&str] = &["/redeemables", "/redeemables/0/id", "/redeemables/1/object"];
const TYPED: &[&str] = &[
    "/redeemables",
    "/redeemables/0",
    "/redeemables/0/id",
    "/order",
    "/order/amount",
    "/order/items",
    "/order/items/0",
    "/order/items/0/quantity",
    "/order/items/0/price",
    "/customer",
];

/// A value of a type none of the typed properties accepts there (numbers for ids and
/// objects, text for amounts, ...), chosen per pointer.
fn wrong_value(pointer: &str, pick: u8) -> Value {
    let numeric =
        pointer.ends_with("amount") || pointer.ends_with("quantity") || pointer.ends_with("price");
    let choices: Vec<Value> = if numeric {
        vec![
            json!("12.00"),
            json!(12.5),
            json!(true),
            json!([1]),
            json!({}),
        ]
    } else if pointer.ends_with("/id") {
        vec![json!(7), json!(true), json!(["A"]), json!({"id": "A"})]
    } else if pointer.ends_with("redeemables") || pointer.ends_with("items") {
        vec![
            json!("AMT"),
            json!(3),
            json!({"object": "voucher"}),
            json!(true),
        ]
    } else {
        vec![json!("text"), json!(42), json!([1, 2]), json!(false)]
    };
    choices[pick as usize % choices.len()].clone()
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        prop::sample::select(REQUIRED.to_vec()).prop_map(Mutation::Delete),
        (prop::sample::select(TYPED.to_vec()), any::<u8>())
            .prop_map(|(p, pick)| Mutation::Retype(p, wrong_value(p, pick))),
        (
            prop::sample::select(vec!["redeemables", "order", "customer"]),
            prop_oneof![
                Just(json!(null)),
                Just(json!([])),
                Just(json!({"amount": -1}))
            ]
        )
            .prop_map(|(k, v)| Mutation::Duplicate(k, v)),
        (1u8..100).prop_map(Mutation::Truncate),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Mutation::Bytes),
        (100usize..5_000).prop_map(Mutation::Nest),
    ]
}

/// The body bytes, and whether the API must refuse them.
fn apply(m: &Mutation) -> (Vec<u8>, bool) {
    let mut body = valid_body();
    match m {
        Mutation::Delete(pointer) => {
            let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
            if let Some(Value::Object(map)) = body.pointer_mut(parent) {
                map.remove(key);
            }
            (body.to_string().into_bytes(), true)
        }
        Mutation::Retype(pointer, value) => {
            if let Some(slot) = body.pointer_mut(pointer) {
                *slot = value.clone();
            }
            (body.to_string().into_bytes(), true)
        }
        Mutation::Duplicate(key, value) => {
            let text = body.to_string();
            let extra = format!("{{\"{key}\":{value},");
            (text.replacen('{', &extra, 1).into_bytes(), false)
        }
        Mutation::Truncate(percent) => {
            let bytes = body.to_string().into_bytes();
            let cut = bytes.len() * usize::from(*percent) / 100;
            (bytes[..cut].to_vec(), true)
        }
        Mutation::Bytes(bytes) => (bytes.clone(), true),
        Mutation::Nest(depth) => {
            let text = format!("{}{}", "[".repeat(*depth), "]".repeat(*depth));
            (text.into_bytes(), true)
        }
    }
}

#[test]
fn malformed_checkouts_get_a_4xx_error_object() {
    let h = harness();
    let p = h.project();
    let before = h.redeemed(&p).expect("the vouchers");
    check(
        "malformed checkouts",
        (mutation(), any::<bool>()),
        |(m, redeem)| {
            let (bytes, must_refuse) = apply(&m);
            let path = if redeem {
                "/v1/redemptions"
            } else {
                "/v1/validations"
            };
            let (status, answer) = h
                .send(&p, "POST", path, bytes)
                .map_err(TestCaseError::fail)?;
            if must_refuse || status != 200 {
                error_object(status, &answer)?;
            }
            Ok(())
        },
    );
    // Duplicated properties may be valid (the last one wins) and redeem; nothing else may.
    let after = h.redeemed(&p).expect("the vouchers");
    for ((code, b), (_, a)) in before.iter().zip(&after) {
        assert!(a >= b, "{code}: {b} → {a}");
    }
}

/// Any JSON, with the property names the API knows, to grow plausible nonsense.
fn any_json() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "code",
        "type",
        "discount",
        "amount_off",
        "percent_off",
        "redemption",
        "quantity",
        "source_id",
        "name",
        "email",
        "price",
        "items",
        "amount",
        "status",
        "metadata",
        "customer",
        "order",
        "redeemables",
        "object",
        "id",
        "start_date",
        "expiration_date",
        "effect",
        "amount_limit",
        "fixed_amount",
        "reason",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,20}".prop_map(Value::from),
        prop::sample::select(vec![
            "AMOUNT",
            "PERCENT",
            "FIXED",
            "DISCOUNT_VOUCHER",
            "PAID",
            "voucher",
            "2030-01-01T00:00:00Z"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((names.clone(), inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

const WRITES: &[(&str, &str)] = &[
    ("POST", "/v1/validations"),
    ("POST", "/v1/redemptions"),
    ("POST", "/v1/vouchers"),
    ("POST", "/v1/vouchers/PROPCODE"),
    ("PUT", "/v1/vouchers/AMT"),
    ("POST", "/v1/customers"),
    ("POST", "/v1/products"),
    ("POST", "/v1/orders"),
    ("POST", "/v1/redemptions/r_0c0000000000000000/rollback"),
    ("POST", "/v1/vouchers/AMT/validate"),
];

#[test]
fn any_json_on_any_write_endpoint_never_gets_a_5xx() {
    let h = harness();
    let p = h.project();
    check(
        "any JSON on write endpoints",
        (prop::sample::select(WRITES.to_vec()), any_json()),
        |((method, path), body)| {
            let (status, answer) = h
                .send(&p, method, path, body.to_string().into_bytes())
                .map_err(TestCaseError::fail)?;
            if !(200..300).contains(&status) {
                error_object(status, &answer)?;
            }
            Ok(())
        },
    );
    // Whatever was sent, the discount of an existing code is still one the engine can use.
    let (status, v) = h.send(&p, "GET", "/v1/vouchers/AMT", Vec::new()).unwrap();
    assert_eq!(status, 200);
    assert!(v["discount"]["type"].is_string(), "{v}");
}
