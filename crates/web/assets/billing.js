// "Pay by card" on the owner's billing page (PCI DSS SAQ A). The payment provider's own script
// (loaded just before this one) mounts its card fields in a frame of its origin; the card number
// is typed there and never reaches this page. On submit the provider turns the card into a
// payment-method token (pm_…), and only that token is sent with the subscription.
const form = document.getElementById("card-form");
if (form && typeof globalThis.Stripe === "function") {
  const stripe = globalThis.Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const status = document.getElementById("card-status");
  const button = document.getElementById("card-submit");
  const value = (name) => form.elements[name].value.trim();
  const optional = (name) => value(name) || undefined;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = form.dataset.working;
    try {
      const result = await stripe.createPaymentMethod({ type: "card", card });
      if (result.error) {
        status.textContent = result.error.message;
        return;
      }
      const body = {
        plan: value("plan"),
        seats: Number(value("seats")),
        billing_contact: {
          first_name: value("first_name"),
          last_name: value("last_name"),
          email: value("email"),
          phone: value("phone"),
          company: optional("company"),
          vat_id: optional("vat_id"),
          address: { line1: value("line1"), postcode: value("postcode"), city: value("city"), country: value("country") },
        },
        payment: { method: "card", token: result.paymentMethod.id },
      };
      const res = await fetch(`/api/v1/orgs/${encodeURIComponent(form.dataset.org)}/subscription`, {
        method: "PUT",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
      if (res.ok) {
        location.reload();
        return;
      }
      const e = (await res.json()).error || {};
      status.textContent = [e.message, e.detail].filter(Boolean).join(" ");
    } finally {
      button.disabled = false;
    }
  });
}
