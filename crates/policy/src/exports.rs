//! Machine-readable publications of a policy: the record of processing activities (GDPR
//! Art. 30(1)(a)–(g)), the same as W3C DPV JSON-LD, the CCPA disclosure, a fideslang-style
//! export, and the policy itself as JSON. Pure functions of the policy.

use serde_json::{Value, json};

use crate::{LegalBasis, Policy, RecipientKind};

fn lang_pair(t: &crate::Text) -> Value {
    json!({ "en": t.en, "fr": t.fr })
}

/// The policy as published at `/privacy.json`.
pub fn policy_json(p: &Policy) -> Value {
    json!({
        "version": p.digest(),
        "published": p.doc().meta.published,
        "significant": p.doc().meta.significant,
        "policy": p.doc(),
    })
}

fn retention_text(p: &Policy, category: &str) -> Vec<Value> {
    p.retention_of(category)
        .map(|r| {
            json!({
                "category": r.category,
                "trigger": r.trigger,
                "period": r.period().iso8601(),
                "rule": lang_pair(&r.description),
                "legal_hold": r.legal_hold.as_ref().map(|h| json!({ "days": h.days, "reason": lang_pair(&h.reason) })),
            })
        })
        .collect()
}

/// The record of processing activities (GDPR Art. 30(1)), one activity per purpose.
pub fn ropa(p: &Policy) -> Value {
    let d = p.doc();
    let controller = json!({
        "name": d.controller.name,
        "address": d.controller.address,
        "contact": d.controller.privacy_contact,
        "data_protection_officer": d.controller.dpo_contact,
    });
    let security: Vec<Value> =
        d.security_measures.iter().map(|m| json!({ "id": m.id, "measure": m.title.en, "detail": m.description.en })).collect();
    let activities: Vec<Value> = d
        .purposes
        .iter()
        .map(|pu| {
            let recipients: Vec<Value> = p
                .recipients_for(&pu.id)
                .filter(|r| r.categories.iter().any(|c| pu.categories.contains(c)))
                .map(|r| json!({ "id": r.id, "name": r.name.en, "kind": r.kind, "location": r.location.en, "safeguards": r.safeguards }))
                .collect();
            let mut transfers: Vec<Value> = p
                .recipients_for(&pu.id)
                .filter_map(|r| r.transfer.as_deref().and_then(|t| p.transfer(t)).map(|t| (r, t)))
                .map(|(r, t)| json!({ "recipient": r.id, "to": t.to, "mechanism": t.mechanism, "detail": t.description.en }))
                .collect();
            if transfers.is_empty() {
                transfers.push(json!({ "to": null, "statement": "No transfer outside the European Union for this activity." }));
            }
            let limits: Vec<Value> = pu.categories.iter().flat_map(|c| retention_text(p, c)).collect();
            json!({
                "id": pu.id,
                "name": pu.title.en,
                "a_controller": controller,
                "b_purposes": { "purpose": pu.description.en, "legal_basis": pu.legal_basis.map(LegalBasis::as_str),
                                "legitimate_interest": pu.legitimate_interest.as_ref().map(|t| t.en.clone()) },
                "c_categories": {
                    "data_subjects": pu.data_subjects.iter().filter_map(|s| p.data_subject(s)).map(|s| json!({ "id": s.id, "title": s.title.en })).collect::<Vec<_>>(),
                    "personal_data": pu.categories.iter().filter_map(|c| p.category(c)).map(|c| json!({ "id": c.id, "title": c.title.en, "fields": c.fields })).collect::<Vec<_>>(),
                },
                "d_recipients": if recipients.is_empty() { vec![json!({ "statement": "Only the controller's own systems." })] } else { recipients },
                "e_transfers": transfers,
                "f_erasure_time_limits": limits,
                "g_security_measures": security,
            })
        })
        .collect();
    let cookies: Vec<Value> = d
        .cookies
        .iter()
        .map(|c| json!({ "name": c.name, "kind": c.kind, "party": c.party, "lifetime": c.lifetime().map(|p| p.iso8601()), "purpose": c.purpose.en, "needs_consent": c.kind.needs_consent() }))
        .collect();
    json!({
        "record_of_processing": "GDPR Article 30(1)",
        "policy_version": p.digest(),
        "controller": controller,
        "activities": activities,
        "cookies": cookies,
        "backups": { "retention_days": d.backups.retention_days, "erasure_deadline_days": d.limits.erasure_deadline_days },
    })
}

fn dpv_basis(b: Option<LegalBasis>) -> &'static str {
    match b {
        Some(LegalBasis::Consent) => "dpv:Consent",
        Some(LegalBasis::Contract) => "dpv:Contract",
        Some(LegalBasis::LegalObligation) => "dpv:LegalObligation",
        Some(LegalBasis::LegitimateInterest) | None => "dpv:LegitimateInterest",
    }
}

fn dpv_subject_type(id: &str) -> &'static str {
    match id {
        "users" => "dpv:User",
        "participants" => "dpv:Participant",
        "customers" => "dpv:Customer",
        "applicants" => "dpv:JobApplicant",
        "visitors" => "dpv:Visitor",
        "attendees" => "dpv:Participant",
        _ => "dpv:DataSubject",
    }
}

fn dpv_recipient_type(k: RecipientKind) -> &'static str {
    match k {
        RecipientKind::Employees => "dpv:Employee",
        RecipientKind::Affiliate => "dpv:Recipient",
        RecipientKind::Subprocessor => "dpv:DataProcessor",
        RecipientKind::Partner => "dpv:ThirdParty",
        RecipientKind::Authority => "dpv:Authority",
    }
}

/// The trigger a retention rule counts from when it is the collection itself; every other
/// trigger is an event (an account deleted, a session ended, a request closed).
const COLLECTED: &str = "collected";

/// A retention rule as a DPV storage condition: a period counted from collection is a
/// `dpv:TemporalDuration`; a rule that keeps data until an event is a `dpv:UntilEventDuration`
/// naming the event (never `P0D`), with the period after the event when there is one.
fn dpv_storage(r: &crate::Retention) -> Value {
    let period = r.period();
    let temporal = || json!({ "@type": "dpv:TemporalDuration", "rdf:value": { "@value": period.iso8601(), "@type": "xsd:duration" } });
    let durations = if r.trigger == COLLECTED {
        vec![temporal()]
    } else {
        let mut v = vec![json!({
            "@type": "dpv:UntilEventDuration",
            "dct:description": if period.is_zero() { format!("until the event `{}`", r.trigger) } else { format!("until the event `{}`, then {}", r.trigger, period.iso8601()) },
        })];
        if !period.is_zero() {
            v.push(temporal());
        }
        v
    };
    json!({ "@type": "dpv:StorageDuration", "dpv:hasDuration": durations, "dct:description": r.description.en })
}

/// A transfer mechanism as DPV: the data transfer tools of DPV, or the GDPR article of the
/// `eu-gdpr` extension for an adequacy decision and the derogations of Art. 49.
fn dpv_transfer_basis(m: Option<crate::Mechanism>) -> &'static str {
    match m {
        Some(crate::Mechanism::Scc) => "dpv:StandardContractualClauses",
        Some(crate::Mechanism::Bcr) => "dpv:BindingCorporateRules",
        Some(crate::Mechanism::Adequacy) => "eu-gdpr:A45-3",
        Some(crate::Mechanism::Consent) => "eu-gdpr:A49-1-a",
        Some(crate::Mechanism::Necessity) => "eu-gdpr:A49-1-b",
        None => "dpv:DataTransferLegalBasis",
    }
}

fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// The policy as W3C Data Privacy Vocabulary (DPV 2) JSON-LD.
pub fn dpv(p: &Policy) -> Value {
    let d = p.doc();
    let mut graph = vec![json!({
        "@id": "cb:controller",
        "@type": "dpv:DataController",
        "dct:title": d.controller.name,
        "dpv:hasAddress": d.controller.address,
        "dpv:hasContact": format!("mailto:{}", d.controller.privacy_contact),
    })];
    for s in &d.data_subjects {
        graph.push(json!({ "@id": format!("cb:subject/{}", s.id), "@type": ["dpv:DataSubject", dpv_subject_type(&s.id)], "dct:title": s.title.en }));
    }
    for c in &d.categories {
        graph.push(json!({
            "@id": format!("cb:data/{}", c.id), "@type": "dpv:PersonalData",
            "dct:title": c.title.en, "dct:description": c.description.en,
        }));
    }
    for r in &d.recipients {
        graph.push(json!({
            "@id": format!("cb:recipient/{}", r.id), "@type": ["dpv:Recipient", dpv_recipient_type(r.kind)],
            "dct:title": r.name.en, "dct:description": r.description.en,
        }));
    }
    for m in &d.security_measures {
        graph.push(json!({ "@id": format!("cb:measure/{}", m.id), "@type": "dpv:TechnicalOrganisationalMeasure", "dct:title": m.title.en, "dct:description": m.description.en }));
    }
    for pu in &d.purposes {
        graph.push(json!({ "@id": format!("cb:purpose/{}", pu.id), "@type": "dpv:Purpose", "dct:title": pu.title.en, "dct:description": pu.description.en }));
        let durations: Vec<Value> = pu.categories.iter().flat_map(|c| p.retention_of(c)).map(dpv_storage).collect();
        // The third-country transfers the record of processing declares for this purpose (C-LOC-2).
        let transfers: Vec<Value> = p
            .recipients_for(&pu.id)
            .filter_map(|r| r.transfer.as_deref().and_then(|t| p.transfer(t)).map(|t| (r, t)))
            .map(|(r, t)| {
                json!({
                    "@id": format!("cb:transfer/{}/{}", pu.id, t.id),
                    "@type": ["dpv:DataTransferLegalBasis", dpv_transfer_basis(t.mechanism)],
                    "dct:description": t.description.en,
                    "dpv:hasRecipient": { "@id": format!("cb:recipient/{}", r.id) },
                    "dpv:hasThirdCountry": { "@id": format!("cb:country/{}", slug(&t.to)) },
                })
            })
            .collect();
        let countries: Vec<Value> = transfers.iter().map(|t| t["dpv:hasThirdCountry"].clone()).collect();
        graph.push(json!({
            "@id": format!("cb:handling/{}", pu.id),
            "@type": "dpv:PersonalDataHandling",
            "dpv:hasDataController": { "@id": "cb:controller" },
            "dpv:hasPurpose": { "@id": format!("cb:purpose/{}", pu.id) },
            // The purpose's legal basis, then the transfer mechanism of each third-country
            // transfer the record of processing declares for it (C-LOC-2).
            "dpv:hasLegalBasis": std::iter::once(json!({ "@id": dpv_basis(pu.legal_basis) })).chain(transfers).collect::<Vec<_>>(),
            "dpv:hasPersonalData": pu.categories.iter().map(|c| json!({ "@id": format!("cb:data/{c}") })).collect::<Vec<_>>(),
            "dpv:hasDataSubject": pu.data_subjects.iter().map(|s| json!({ "@id": format!("cb:subject/{s}") })).collect::<Vec<_>>(),
            "dpv:hasRecipient": p.recipients_for(&pu.id).map(|r| json!({ "@id": format!("cb:recipient/{}", r.id) })).collect::<Vec<_>>(),
            "dpv:hasStorageCondition": durations,
            "dpv:hasThirdCountry": countries,
            "dpv:hasTechnicalOrganisationalMeasure": d.security_measures.iter().map(|m| json!({ "@id": format!("cb:measure/{}", m.id) })).collect::<Vec<_>>(),
        }));
    }
    let mut countries: Vec<&str> = d.transfers.iter().map(|t| t.to.as_str()).collect();
    countries.sort_unstable();
    countries.dedup();
    for c in countries {
        graph.push(json!({ "@id": format!("cb:country/{}", slug(c)), "@type": ["dpv:Country", "dpv:ThirdCountry"], "dct:title": c }));
    }
    let base = d.controller.website.clone().unwrap_or_else(|| "https://example.org".into());
    json!({
        "@context": {
            "dpv": "https://w3id.org/dpv#",
            "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
            "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "dct": "http://purl.org/dc/terms/",
            "cb": format!("{}/privacy/dpv#", base.trim_end_matches('/')),
        },
        "@graph": graph,
    })
}

/// The CCPA/CPRA disclosure: categories collected, their sources and purposes, to whom they
/// are disclosed, and the statement that nothing is sold or shared (C-SHARE-6, C-CCPA-1).
pub fn ccpa(p: &Policy) -> Value {
    let d = p.doc();
    let mut by_ccpa: std::collections::BTreeMap<&str, Vec<&crate::Category>> = std::collections::BTreeMap::new();
    for c in &d.categories {
        by_ccpa.entry(c.ccpa.as_str()).or_default().push(c);
    }
    let categories: Vec<Value> = by_ccpa
        .into_iter()
        .map(|(ccpa, cats)| {
            let ids: Vec<&str> = cats.iter().map(|c| c.id.as_str()).collect();
            let purposes: Vec<&str> =
                d.purposes.iter().filter(|p| p.categories.iter().any(|c| ids.contains(&c.as_str()))).map(|p| p.title.en.as_str()).collect();
            let disclosed: Vec<Value> = d
                .recipients
                .iter()
                .filter(|r| r.kind != RecipientKind::Employees && r.categories.iter().any(|c| ids.contains(&c.as_str())))
                .map(|r| json!({ "recipient": r.name.en, "kind": r.kind, "business_purpose": true }))
                .collect();
            json!({
                "ccpa_category": ccpa,
                "includes": cats.iter().map(|c| c.title.en.clone()).collect::<Vec<_>>(),
                "sources": cats.iter().map(|c| c.source.en.clone()).collect::<Vec<_>>(),
                "purposes": purposes,
                "disclosed_for_business_purposes_to": disclosed,
                "sold": false,
                "shared_for_cross_context_behavioral_advertising": false,
                "retention": cats.iter().flat_map(|c| p.retention_of(&c.id)).map(|r| r.description.en.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "policy_version": p.digest(),
        // C-CCPA-5: the CCPA disclosure is for California residents, and a deletion is refused
        // only for one of these reasons, named in the answer.
        "applies_to": "California residents",
        "deletion_refused_only_for": ["legal_obligation", "needed_to_provide_services"],
        "lookback_months": 12,
        "categories": categories,
        "sells_personal_information": false,
        "shares_for_cross_context_behavioral_advertising": false,
        "sensitive_personal_information_used_to_infer_characteristics": false,
        "global_privacy_control_honoured": true,
        "rights": ["know", "delete", "correct", "opt_out_of_sale_and_sharing", "limit_sensitive_use", "non_discrimination"],
        "minimum_age": d.limits.minimum_age,
    })
}

fn fides_subject(id: &str) -> &'static str {
    match id {
        "users" | "customers" => "customer",
        "participants" => "anonymous_user",
        "contacts" => "prospect",
        "attendees" => "trainee",
        "applicants" => "job_applicant",
        "visitors" => "visitor",
        _ => "customer",
    }
}

/// A fideslang-compatible system description (JSON, which is also valid YAML).
pub fn fideslang(p: &Policy) -> Value {
    let d = p.doc();
    let declarations: Vec<Value> = d
        .purposes
        .iter()
        .map(|pu| {
            // fideslang refuses a declaration that repeats a key: each subject and category once.
            let mut subjects: Vec<&str> = Vec::new();
            for s in pu.data_subjects.iter().map(|s| fides_subject(s)) {
                if !subjects.contains(&s) {
                    subjects.push(s);
                }
            }
            let mut categories: Vec<&str> = Vec::new();
            for c in pu.categories.iter().filter_map(|c| p.category(c)).map(|c| c.fideslang.as_str()) {
                if !categories.contains(&c) {
                    categories.push(c);
                }
            }
            json!({
                "name": pu.title.en,
                "data_use": pu.fideslang_use,
                "data_categories": categories,
                "data_subjects": subjects,
                "legal_basis_for_processing": pu.legal_basis.map(|b| match b {
                    LegalBasis::Consent => "Consent",
                    LegalBasis::Contract => "Contract",
                    LegalBasis::LegalObligation => "Legal obligations",
                    LegalBasis::LegitimateInterest => "Legitimate interests",
                }),
            })
        })
        .collect();
    json!({
        "system": [{
            "fides_key": "clearboard",
            "name": "clearboard",
            "description": "Visual-collaboration boards with an executable privacy policy",
            "system_type": "Service",
            "administrating_department": d.controller.name,
            "privacy_declarations": declarations,
        }]
    })
}
