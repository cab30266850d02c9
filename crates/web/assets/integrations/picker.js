// Google's Picker on the Drive connect screen, loaded only after the person clicks "Pick
// files" (nothing of Google's is requested before). The Picker returns the ids of the files
// picked; they are posted to the import API with the board the person chose, and nothing else.
const button = document.getElementById("pick");
if (button) {
  button.addEventListener("click", async () => {
    // The person's own short-lived access token (drive.file), in a POST body's answer.
    const res = await fetch("/api/v1/me/integrations/google-drive/picker-token", { method: "POST" });
    if (!res.ok) return;
    const { access_token: token } = await res.json();
    const s = document.createElement("script");
    s.src = "https://apis.google.com/js/api.js";
    s.addEventListener("load", () => {
      globalThis.gapi.load("picker", () => {
        const g = globalThis.google;
        const picker = new g.picker.PickerBuilder()
          .addView(g.picker.ViewId.DOCS)
          .enableFeature(g.picker.Feature.MULTISELECT_ENABLED)
          .setDeveloperKey(button.dataset.key)
          .setAppId(button.dataset.app)
          .setOAuthToken(token)
          .setCallback(async (data) => {
            if (data.action !== g.picker.Action.PICKED) return;
            const board = new URLSearchParams(location.search).get("board");
            if (!board) return;
            const ids = data.docs.map((d) => d.id);
            await fetch(`/api/v1/boards/${encodeURIComponent(board)}/imports/google-drive`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ file_ids: ids }),
            });
          })
          .build();
        picker.setVisible(true);
      });
    });
    document.head.appendChild(s);
  });
}
