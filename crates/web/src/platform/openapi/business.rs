//! The billing API in the OpenAPI document (routes in `business::billing_api`): its paths,
//! what a subscription reads and what it answers.

use serde_json::{Value, json};

use super::build::{auth, bytes, error_response, id_param, json_body, ok};

pub fn paths() -> Value {
    let auth = auth();
    let mut v = json!({
        "/api/v1/plans": { "get": { "summary": "The plans on offer (price per seat and month in minor units, VAT rate in basis points)",
            "responses": { "200": ok("Plans", "Plans") } } },
        "/api/v1/orgs/{id}/subscription": {
            "get": { "summary": "The organisation's subscription (its owner)", "security": auth, "parameters": [id_param()],
                "responses": { "200": ok("Subscription", "Subscription"), "403": error_response("Not the owner"), "404": error_response("No subscription, or not a member") } },
            "put": { "summary": "Subscribe, or change plan, seats, billing contact or payment method; reactivates a cancelled subscription before it ends (its owner). A card is the payment provider's token: any body holding a card number is refused (422 card_number_refused)", "security": auth, "parameters": [id_param()],
                "requestBody": json_body("SubscriptionInput"),
                "responses": { "200": ok("Subscription", "Subscription"), "403": error_response("Not the owner"), "404": error_response("Not a member"), "409": error_response("Changed meanwhile"), "422": error_response("Invalid, or a card number") , "503": error_response("The payment provider does not answer") } },
            "delete": { "summary": "Cancel at the end of the current period (its owner); the contract then ends", "security": auth, "parameters": [id_param()],
                "responses": { "200": ok("Subscription", "Subscription"), "403": error_response("Not the owner"), "404": error_response("No subscription, or not a member") } }
        },
        "/api/v1/orgs/{id}/invoices": { "get": { "summary": "The organisation's issued invoices and credit notes (its owner)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("Invoices", "Invoices"), "403": error_response("Not the owner"), "404": error_response("Not a member") } } },
        "/api/v1/invoices/{id}/pdf": { "get": { "summary": "An invoice as PDF (the owner of its organisation)", "security": auth, "parameters": [id_param()],
            "responses": { "200": bytes("The invoice (`attachment`)", &["application/pdf"]), "404": error_response("Not found") } } },
        "/api/v1/staff/contracts": { "get": { "summary": "Every contract, without personal data (staff whose role allows the reason `contract`, training current)", "security": auth,
            "responses": { "200": ok("StaffContracts", "Contracts"), "403": error_response("Not staff, role or training") } } },
        "/api/v1/staff/contracts/{id}": { "get": { "summary": "A contract with its billing contact, for the reason `contract` (written to the contact's audit trail)", "security": auth,
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }, { "name": "reason", "in": "query", "required": true, "schema": { "const": "contract" } }],
            "responses": { "200": ok("StaffContract", "The contract"), "403": error_response("Not staff, role or training"), "404": error_response("Not found"), "422": error_response("Another reason") } } },
        "/api/v1/invoices/{id}/xml": { "get": { "summary": "An invoice as Factur-X (EN 16931) XML (the owner of its organisation)", "security": auth, "parameters": [id_param()],
            "responses": { "200": bytes("The invoice (`attachment`)", &["application/xml"]), "404": error_response("Not found") } } }
    });
    if let (Some(all), Value::Object(more)) = (v.as_object_mut(), partner_paths()) {
        all.extend(more);
    }
    v
}

/// Certified partners (C-SHARE-4; routes in `business::partners_api`).
fn partner_paths() -> Value {
    let auth = auth();
    let partner = json!({ "name": "partner", "in": "path", "required": true, "schema": { "type": "string" } });
    json!({
        "/api/v1/staff/partners": { "post": { "summary": "Certify an account as a partner of a company until a date, or renew it (staff whose role allows the reason `contract`, training current)", "security": auth,
            "requestBody": json_body("PartnerInput"),
            "responses": { "200": ok("Partner", "The partner"), "403": error_response("Not staff, role or training"), "422": error_response("Invalid, or no account has this address") } } },
        "/api/v1/partners": { "get": { "summary": "The partners certified today, for an owner to name co-managers of a contract", "security": auth,
            "responses": { "200": ok("Partners", "Partners") } } },
        "/api/v1/orgs/{id}/subscription/partners": { "get": { "summary": "The certified partners co-managing the organisation's contract (its owner)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("Partners", "Partners"), "403": error_response("Not the owner"), "404": error_response("No subscription, or not a member") } } },
        "/api/v1/orgs/{id}/subscription/partners/{partner}": {
            "put": { "summary": "Name a certified partner co-manager of the contract: it then sees the contract's data, each opening in the disclosure log (its owner)", "security": auth, "parameters": [id_param(), partner],
                "responses": { "200": ok("Partners", "Partners"), "403": error_response("Not the owner"), "404": error_response("No subscription, or not a member"), "422": error_response("Not a certified partner") } },
            "delete": { "summary": "Withdraw a partner from the contract (its owner)", "security": auth, "parameters": [id_param(), partner],
                "responses": { "200": ok("Partners", "Partners"), "403": error_response("Not the owner"), "404": error_response("Not a co-manager, no subscription, or not a member") } }
        },
        "/api/v1/staff/invoices/{id}/paid": { "post": { "summary": "Mark an issued invoice paid by bank transfer, with the bank statement's reference (staff whose role allows the reason `contract`, training current)", "security": auth, "parameters": [id_param()],
            "requestBody": json_body("InvoicePaid"),
            "responses": { "200": ok("InvoicePayment", "The payment recorded"), "403": error_response("Not staff, role or training"), "404": error_response("Not found"), "409": error_response("Not an issued invoice"), "422": error_response("No reference") } } },
        "/api/v1/payments/stripe/webhook": { "post": { "summary": "The card provider's events (payment intents succeeded, failed, processing), signed in the `Stripe-Signature` header (HMAC-SHA256 of `t.body`, five minutes' tolerance)",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
            "responses": { "200": ok("WebhookReceived", "Received"), "404": error_response("No card provider configured"), "422": error_response("The signature does not verify") } } },
        "/api/v1/partner/contracts": { "get": { "summary": "The contracts a certified partner co-manages, without anyone's personal data", "security": auth,
            "responses": { "200": ok("StaffContracts", "Contracts"), "403": error_response("Not a certified partner") } } },
        "/api/v1/partner/contracts/{id}": { "get": { "summary": "A co-managed contract with its contract data (written to the disclosure log of its billing contact and owner); any other contract is not found", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("StaffContract", "The contract"), "403": error_response("Not a certified partner"), "404": error_response("Not a contract this partner co-manages") } } }
    })
}

fn plan() -> Value {
    json!({
        "type": "object", "required": ["id", "name", "price_per_seat", "currency", "vat_basis_points"],
        "properties": {
            "id": { "type": "string" },
            "name": { "type": "object", "required": ["en", "fr"], "properties": { "en": { "type": "string" }, "fr": { "type": "string" } } },
            "price_per_seat": { "type": "integer", "description": "Per seat and monthly period, in minor units" },
            "currency": { "type": "string" }, "vat_basis_points": { "type": "integer" }
        }
    })
}

fn contact(additional: bool) -> Value {
    let opt = json!({ "type": ["string", "null"] });
    json!({
        "type": "object", "additionalProperties": additional, "required": ["first_name", "last_name", "email", "phone", "address"],
        "properties": {
            "first_name": { "type": "string" }, "last_name": { "type": "string" }, "email": { "type": "string" }, "phone": { "type": "string" },
            "company": opt, "vat_id": opt,
            "address": { "type": "object", "additionalProperties": additional, "required": ["line1", "postcode", "city", "country"], "properties": {
                "line1": { "type": "string" }, "line2": opt, "postcode": { "type": "string" }, "city": { "type": "string" },
                "country": { "type": "string", "description": "ISO 3166-1 alpha-2" } } }
        }
    })
}

/// What the billing operations read and answer.
pub fn schemas() -> Value {
    json!({
        "Plan": plan(),
        "Plans": { "type": "object", "required": ["plans"], "properties": { "plans": { "type": "array", "items": { "$ref": "#/components/schemas/Plan" } } } },
        "SubscriptionInput": {
            "type": "object", "additionalProperties": false, "required": ["plan", "seats", "billing_contact", "payment"],
            "properties": {
                "plan": { "type": "string" }, "seats": { "type": "integer", "minimum": 1 },
                "billing_contact": contact(false),
                "payment": { "oneOf": [
                    { "type": "object", "additionalProperties": false, "required": ["method", "token"], "properties": { "method": { "const": "card" }, "token": { "type": "string", "description": "The payment provider's token of a card entered in its own fields" } } },
                    { "type": "object", "additionalProperties": false, "required": ["method", "iban", "account_holder"], "properties": { "method": { "const": "sepa_debit" }, "iban": { "type": "string" }, "account_holder": { "type": "string" } } },
                    { "type": "object", "additionalProperties": false, "required": ["method"], "properties": { "method": { "const": "transfer" } } }
                ] }
            }
        },
        "Invoices": { "type": "object", "required": ["invoices"], "properties": { "invoices": { "type": "array", "items": {
            "type": "object", "required": ["id", "number", "kind", "issued_at", "period", "subtotal", "vat", "total", "currency", "pdf_url", "xml_url"],
            "properties": { "id": { "type": "string" }, "number": { "type": "string" }, "kind": { "enum": ["invoice", "credit_note"] }, "issued_at": { "type": "string" },
                "period": { "type": "object", "required": ["start", "end"] }, "subtotal": { "type": "integer" }, "vat": { "type": "integer" }, "total": { "type": "integer" },
                "currency": { "type": "string" }, "pdf_url": { "type": "string" }, "xml_url": { "type": "string" },
                "payment_status": { "type": ["string", "null"], "description": "paid (a transfer staff marked), a card charge's state, or null" } } } } } },
        "StaffContracts": { "type": "object", "required": ["contracts"], "properties": { "contracts": { "type": "array", "items": {
            "type": "object", "additionalProperties": false, "required": ["id", "region", "org_id", "plan", "seats", "status", "payment_method", "period_end", "ends_at"],
            "properties": { "id": { "type": "string" }, "region": { "type": "string" }, "org_id": { "type": "string" }, "plan": { "type": "string" }, "seats": { "type": "integer" },
                "status": { "enum": ["active", "cancelling", "ended"] }, "payment_method": { "type": "string" }, "period_end": { "type": "string" }, "ends_at": { "type": ["string", "null"] } } } } } },
        "StaffContract": { "type": "object", "required": ["id", "region", "org_id", "plan", "seats", "status", "billing_contact", "payment"],
            "properties": { "billing_contact": contact(true), "payment": { "type": "object", "required": ["method"] } } },
        "PartnerInput": { "type": "object", "additionalProperties": false, "required": ["email", "company", "certified_until"],
            "properties": { "email": { "type": "string" }, "company": { "type": "string" }, "notice_email": { "type": ["string", "null"], "description": "The company's business address for erasure notices" },
                "certified_until": { "type": "string", "format": "date" } } },
        "Partner": { "type": "object", "required": ["id", "company", "certified_until"],
            "properties": { "id": { "type": "string" }, "company": { "type": "string" }, "certified_until": { "type": "string", "format": "date" } } },
        "InvoicePaid": { "type": "object", "additionalProperties": false, "required": ["reference"], "properties": { "reference": { "type": "string", "maxLength": 100 } } },
        "InvoicePayment": { "type": "object", "required": ["invoice", "provider", "status"], "properties": { "invoice": { "type": "string" }, "provider": { "type": "string" }, "status": { "type": "string" } } },
        "WebhookReceived": { "type": "object", "required": ["received", "type"], "properties": { "received": { "const": true }, "type": { "type": "string" } } },
        "Partners": { "type": "object", "required": ["partners"], "properties": { "partners": { "type": "array", "items": { "$ref": "#/components/schemas/Partner" } } } },
        "Subscription": {
            "type": "object",
            "required": ["id", "org_id", "plan", "seats", "status", "current_period", "ends_at", "amount", "currency", "billing_contact", "payment"],
            "properties": {
                "id": { "type": "string" }, "org_id": { "type": "string" }, "plan": { "$ref": "#/components/schemas/Plan" },
                "seats": { "type": "integer" }, "status": { "enum": ["active", "cancelling", "ended"] },
                "current_period": { "type": "object", "required": ["start", "end"], "properties": { "start": { "type": "string" }, "end": { "type": "string" } } },
                "ends_at": { "type": ["string", "null"] },
                "amount": { "type": "object", "required": ["subtotal", "vat", "total"], "properties": { "subtotal": { "type": "integer" }, "vat": { "type": "integer" }, "total": { "type": "integer" } } },
                "currency": { "type": "string" },
                "billing_contact": contact(true),
                "payment": { "type": "object", "required": ["method"], "description": "card: brand, last4, exp_month, exp_year; sepa_debit: the IBAN masked, account_holder, mandate_reference; transfer",
                    "properties": { "method": { "enum": ["card", "sepa_debit", "transfer"] } } }
            }
        }
    })
}
