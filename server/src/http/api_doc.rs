//! The OpenAPI document: what does not come from the routes (security schemes, tags), the
//! answers every operation can give whatever its handler (401/403 for a token, 404 for an id in
//! the path, 413/415 for a body, 422 for parameters, 503 when the database cannot be reached),
//! and the table of documented methods per path that 405 answers name in `Allow`.

use actix_web::dev::ResourceDef;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        self, Content, HttpMethod, KnownFormat, ObjectBuilder, OneOfBuilder, Ref, RefOr,
        ResponseBuilder, Schema, SchemaFormat,
        header::HeaderBuilder,
        path::{Operation, ParameterBuilder, ParameterIn},
        schema::Type,
        security::{Http, HttpAuthScheme, SecurityScheme},
    },
};

use entity::{
    adjustment_line::Mode, branch::PosType, item_group::GroupKind, payment_method::MethodKind,
    staff_user::Role, stock_movement::Reason,
};

use crate::{
    error::{FieldError, Problem},
    idempotency::MAX_KEY_LEN,
    problems::ProblemType,
    validation::words,
};

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The parts of the OpenAPI document that do not come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "Hubshake", description = "Multi-branch back office that POS terminals sync with."),
    components(schemas(Problem, FieldError, crate::sales::TransactionInput)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "identity", description = "OAuth2 client-credentials tokens"),
        (name = "branches", description = "Branches (admin)"),
        (name = "terminals", description = "Terminals of a branch (admin)"),
        (name = "clients", description = "Head office's API clients, their roles, and the audit trail (admin)"),
        (name = "catalog", description = "Categories, items, branch prices, payment methods (admin)"),
        (name = "people", description = "Staff users and customers (admin)"),
        (name = "settings", description = "Global and per-branch settings (admin)"),
        (name = "stock", description = "Stock levels, the ledger, adjustments and transfer tickets"),
        (name = "sync", description = "Terminal sync protocol"),
        (name = "sales", description = "Transactions terminals sent, and daily sales"),
        (name = "reports", description = "Sales by item, staff, hour and payment method; inventory valuation; reorder"),
        (name = "integrations", description = "Outbound subscriptions: events delivered to third parties (admin)"),
        (name = "channels", description = "Sales channels (web shops): set-up, item mapping, availability pushes, and their orders as branches ship them"),
        (name = "channel", description = "What a sales channel calls with its own token (scope channel): its availability feed and orders"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// What a request field must be, where the hub checks more than its type.
enum Constraint {
    /// The words of a stored enum.
    OneOf(fn() -> Vec<String>),
    Pattern(&'static str),
}

/// The request fields the hub checks beyond their types, from the lists the domain checks with.
const FIELD_CONSTRAINTS: &[(&str, &str, Constraint)] = &[
    (
        "CreateBranchRequest",
        "pos_type",
        Constraint::OneOf(words::<PosType>),
    ),
    (
        "UpdateBranchRequest",
        "pos_type",
        Constraint::OneOf(words::<PosType>),
    ),
    ("StaffRequest", "role", Constraint::OneOf(words::<Role>)),
    ("StaffRequest", "pin", Constraint::Pattern("^[0-9]{4,8}$")),
    (
        "PaymentMethodRequest",
        "kind",
        Constraint::OneOf(words::<MethodKind>),
    ),
    (
        "ItemGroupRequest",
        "kind",
        Constraint::OneOf(words::<GroupKind>),
    ),
    (
        "AdjustmentLineRequest",
        "mode",
        Constraint::OneOf(words::<Mode>),
    ),
    // Blank is none; anything else must look like an address.
    ("CustomerRequest", "email", Constraint::Pattern(r"^\s*$|@")),
];

/// The query parameters the hub checks beyond their types.
const QUERY_CONSTRAINTS: &[(&str, Constraint)] = &[
    ("stale_for", Constraint::Pattern(crate::time::SPAN_PATTERN)),
    ("reason", Constraint::OneOf(words::<Reason>)),
];

/// A name must hold something besides white space.
const NAME_PATTERN: &str = r"\S";
/// A setting's key, in the path.
const SETTING_KEY_PATTERN: &str = "^[A-Za-z0-9_.-]{1,100}$";

/// The constraints the hub enforces that a schema can state, and the answers every operation
/// can give whatever its handler.
pub fn declare_common_responses(api: &mut openapi::OpenApi) {
    declare_field_constraints(api);
    for (path, item) in api.paths.paths.iter_mut() {
        let has_path_ids = path.contains('{');
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            declare_for(path, operation, has_path_ids);
        }
    }
}

fn declare_field_constraints(api: &mut openapi::OpenApi) {
    let Some(components) = api.components.as_mut() else {
        return;
    };
    if let Some(problem) = components.schemas.get_mut("Problem")
        && let Ok(mut value) = serde_json::to_value(&*problem)
    {
        let types: Vec<String> = ProblemType::ALL.iter().map(|t| t.uri()).collect();
        value["properties"]["type"]["enum"] = types.into();
        value["properties"]["type"]["description"] =
            "What kind of refusal this is; the table is in README (Problem types).".into();
        if let Ok(listed) = serde_json::from_value(value) {
            *problem = listed;
        }
    }
    for (name, schema) in components.schemas.iter_mut() {
        let Ok(mut value) = serde_json::to_value(&*schema) else {
            continue;
        };
        let Some(properties) = value.get_mut("properties").and_then(|p| p.as_object_mut()) else {
            continue;
        };
        let is_request = name.ends_with("Request");
        for (field, property) in properties.iter_mut() {
            let nullable = property["type"]
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t == "null"));
            let constraint = FIELD_CONSTRAINTS
                .iter()
                .find(|(schema, f, _)| schema == name && f == field)
                .map(|(_, _, constraint)| constraint);
            match constraint {
                Some(Constraint::OneOf(values)) => {
                    let mut values: Vec<serde_json::Value> =
                        values().into_iter().map(serde_json::Value::from).collect();
                    if nullable {
                        values.push(serde_json::Value::Null);
                    }
                    property["enum"] = values.into();
                }
                Some(Constraint::Pattern(pattern)) => property["pattern"] = (*pattern).into(),
                None if is_request && field == "name" && property["type"] == "string" => {
                    property["pattern"] = NAME_PATTERN.into();
                }
                None => {}
            }
        }
        if let Ok(constrained) = serde_json::from_value(value) {
            *schema = constrained;
        }
    }
}

/// A list's 200 answer: one page as JSON, or the whole list as CSV when asked.
fn declare_csv(operation: &mut Operation) {
    let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") else {
        return;
    };
    let is_page = ok.content.get("application/json").is_some_and(|json| {
        serde_json::to_value(&json.schema).is_ok_and(|schema| {
            schema["$ref"]
                .as_str()
                .is_some_and(|r| r.starts_with("#/components/schemas/PageView_"))
        })
    });
    if !is_page {
        return;
    }
    ok.content.insert(
        "text/csv".into(),
        Content::new(Some(ObjectBuilder::new().schema_type(Type::String))),
    );
    let format = ParameterBuilder::new()
        .name("format")
        .parameter_in(ParameterIn::Query)
        .description(Some(
            "`csv`: the whole list (every page) as CSV with a header row, as `Accept: text/csv` asks",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["json", "csv"])),
        ))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(format);
}

fn declare_for(path: &str, operation: &mut Operation, has_path_ids: bool) {
    declare_csv(operation);
    for parameter in operation.parameters.iter_mut().flatten() {
        let plain_text = serde_json::to_value(&parameter.schema).is_ok_and(|schema| {
            schema["type"] == "string"
                && schema.get("format").is_none()
                && schema.get("pattern").is_none()
                && schema.get("enum").is_none()
        });
        if parameter.parameter_in == ParameterIn::Query && plain_text {
            // Text a database cannot store is refused (422) like any invalid value.
            parameter.schema = Some(text_matching("^[^\\x00]*$").into());
        }
        if parameter.parameter_in == ParameterIn::Query
            && let Some((_, constraint)) = QUERY_CONSTRAINTS
                .iter()
                .find(|(name, _)| *name == parameter.name)
        {
            parameter.schema = Some(match constraint {
                Constraint::OneOf(values) => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(values()))
                    .into(),
                Constraint::Pattern(pattern) => text_matching(pattern).into(),
            });
        }
        if parameter.name == "key" && parameter.parameter_in == ParameterIn::Path {
            parameter.schema = Some(text_matching(SETTING_KEY_PATTERN).into());
        }
        if parameter.name == IDEMPOTENCY_KEY && parameter.parameter_in == ParameterIn::Header {
            // Visible ASCII, as `http::idempotent` checks it.
            let pattern = format!("^[!-~]{{1,{MAX_KEY_LEN}}}$");
            parameter.schema = Some(text_matching(&pattern).into());
        }
    }
    let uses_token = operation.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement).is_ok_and(|v| v.get("bearer").is_some())
    });
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query);
    let has_body = operation.request_body.is_some();
    let has_text_path_parameter = operation.parameters.iter().flatten().any(|p| {
        p.parameter_in == ParameterIn::Path
            && serde_json::to_value(&p.schema).is_ok_and(|schema| schema["format"] != "uuid")
    });
    let is_token_endpoint = path == "/oauth/token";
    let mut add = |status: &str, description: &str| {
        let responses = &mut operation.responses.responses;
        if !responses.contains_key(status) {
            responses.insert(status.to_string(), problem(status, description));
        }
    };
    if uses_token {
        add(
            "401",
            "No bearer token, or one that is not valid (RFC 6750 `invalid_token`)",
        );
        add(
            "403",
            "The token's scope or branch does not allow this (`insufficient_scope`)",
        );
        add(
            "429",
            "The client spent its budget for this kind of call; retry after `Retry-After` \
             seconds (`RateLimit-Policy` and `RateLimit` say which budget and what is left)",
        );
    }
    if has_path_ids {
        add("400", "A path parameter that is not valid (not a UUID)");
        add("404", "No such object, or one of another branch");
    }
    if has_text_path_parameter {
        add("422", "A path parameter that is not valid");
    }
    if has_body && !is_token_endpoint {
        add("400", "The body is not valid JSON");
        add("413", "The body is larger than the limit");
        add("415", "The body is not application/json");
        add(
            "422",
            "A body field is missing, unknown, of the wrong type or not valid",
        );
    }
    if has_query {
        add("422", "A query parameter is not valid");
    }
    if path != "/healthz" {
        add(
            "503",
            "The database cannot be reached; retry after `Retry-After` seconds",
        );
    }
}

fn problem(status: &str, description: &str) -> RefOr<openapi::Response> {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        Content::new(Some(Ref::from_schema_name("Problem"))),
    );
    if status == "503" {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds to wait before retrying"))
                .build(),
        );
    }
    RefOr::T(response.build())
}

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// A string schema with this pattern.
fn text_matching(pattern: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
}

/// A string schema of this format.
fn text_of_format(format: KnownFormat) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(format)))
}

/// A query instant: an RFC 3339 date-time, or a plain date.
pub fn date_or_instant() -> Schema {
    OneOfBuilder::new()
        .item(text_of_format(KnownFormat::Date))
        .item(text_of_format(KnownFormat::DateTime))
        .into()
}

/// A date watermark: RFC 3339, or the seed's form with a space after the `T`.
pub fn watermark() -> Schema {
    OneOfBuilder::new()
        .item(text_of_format(KnownFormat::DateTime))
        .item(text_matching(
            r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?Z$",
        ))
        .into()
}

/// The documented methods of every path, for the `Allow` header of a 405.
pub struct RouteMethods(Vec<(ResourceDef, Vec<&'static str>)>);

impl RouteMethods {
    pub fn from_document(api: &openapi::OpenApi) -> Self {
        let methods = [
            (HttpMethod::Get, "GET"),
            (HttpMethod::Put, "PUT"),
            (HttpMethod::Post, "POST"),
            (HttpMethod::Delete, "DELETE"),
            (HttpMethod::Patch, "PATCH"),
        ];
        Self(
            api.paths
                .paths
                .iter()
                .map(|(path, item)| {
                    let present = |method: &HttpMethod| match method {
                        HttpMethod::Get => item.get.is_some(),
                        HttpMethod::Put => item.put.is_some(),
                        HttpMethod::Post => item.post.is_some(),
                        HttpMethod::Delete => item.delete.is_some(),
                        HttpMethod::Patch => item.patch.is_some(),
                        _ => false,
                    };
                    let allowed = methods
                        .iter()
                        .filter(|(method, _)| present(method))
                        .map(|(_, name)| *name)
                        .collect();
                    (ResourceDef::new(path.as_str()), allowed)
                })
                .collect(),
        )
    }

    /// The methods a path allows; empty when no documented route has it.
    pub fn allowed(&self, path: &str) -> Vec<&'static str> {
        // A path named as it is (`/items/import`) is that route, not `/items/{item_id}`.
        let matching: Vec<_> = self
            .0
            .iter()
            .filter(|(route, _)| route.is_match(path))
            .collect();
        let exact = matching
            .iter()
            .find(|(route, _)| route.pattern() == Some(path));
        match exact {
            Some((_, methods)) => methods.clone(),
            None => matching
                .iter()
                .flat_map(|(_, methods)| methods.iter().copied())
                .collect(),
        }
    }
}
