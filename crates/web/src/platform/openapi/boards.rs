//! The paths of the boards API in the OpenAPI document: organisations, invitations, boards,
//! cards, reactions, comments, media, joining by code, the board WebSocket (routes in
//! `boards::api`).

use serde_json::{Value, json};

use super::build::{auth, bytes, error_response, id_param, json_body, no_content, ok, uuid_param};

pub fn paths() -> Value {
    let auth = auth();
    json!({
        "/api/v1/orgs": {
            "get": { "summary": "My organisations (a personal workspace is created on first use)", "security": auth, "responses": { "200": ok("Orgs", "Organisations"), "401": error_response("Not signed in") } },
            "post": { "summary": "Create an organisation", "security": auth, "requestBody": json_body("NewOrg"), "responses": { "201": ok("Org", "Created"), "401": error_response("Not signed in"), "422": error_response("Invalid name") } }
        },
        "/api/v1/orgs/{id}/members": { "get": { "summary": "Members of an organisation", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("Members", "Members"), "401": error_response("Not signed in"), "404": error_response("Not a member") } } },
        "/api/v1/orgs/{id}/members/{member}": { "delete": { "summary": "Remove a member, or leave", "security": auth,
            "parameters": [id_param(), uuid_param("member")],
            "responses": { "204": no_content("Removed"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Last owner") } } },
        "/api/v1/orgs/{id}/invitations": {
            "get": { "summary": "Invitations of an organisation, without their tokens (owners, admins)", "security": auth, "parameters": [id_param()],
                "responses": { "200": ok("Invitations", "Invitations"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found") } },
            "post": { "summary": "Create a single-use invitation link, optionally for one email address (owners, admins)", "security": auth, "parameters": [id_param()],
            "requestBody": json_body("NewInvitation"),
            "responses": { "201": ok("InvitationCreated", "Invitation; its token is shown once and travels in the link's fragment"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Invalid") } } },
        "/api/v1/orgs/{id}/invitations/{invitation}": { "delete": { "summary": "Revoke an unused invitation (owners, admins)", "security": auth,
            "parameters": [id_param(), uuid_param("invitation")],
            "responses": { "204": no_content("Revoked"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "409": error_response("Already used or revoked") } } },
        "/api/v1/invitations/accept": { "post": { "summary": "Join the organisation of an invitation", "security": auth, "requestBody": json_body("AcceptInvitation"),
            "responses": { "200": ok("Org", "Joined"), "401": error_response("Not signed in"), "422": error_response("Invalid or expired") } } },
        "/api/v1/boards": {
            "get": { "summary": "Boards of my organisations", "security": auth, "responses": { "200": ok("Boards", "Boards"), "401": error_response("Not signed in") } },
            "post": { "summary": "Create a board", "security": auth, "requestBody": json_body("NewBoard"),
                      "responses": { "201": ok("Board", "Created"), "401": error_response("Not signed in"), "404": error_response("No such organisation"), "422": error_response("Invalid") } }
        },
        "/api/v1/boards/{id}": {
            "get": { "summary": "A board and the cards I may see (authors left out on anonymous boards)", "security": auth, "parameters": [id_param()],
                     "responses": { "200": ok("BoardWithCards", "The board and its cards"), "401": error_response("Not signed in"), "404": error_response("Not found (also for other organisations' boards)") } },
            "delete": { "summary": "Delete the board and everything on it (facilitators)", "security": auth, "parameters": [id_param()],
                        "responses": { "204": no_content("Deleted"), "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found") } },
            "patch": { "summary": "Title, legend, lock, controlled and anonymous modes, votes per person (facilitators)", "security": auth, "parameters": [id_param()],
                       "requestBody": json_body("BoardPatch"),
                       "responses": { "200": ok("Board", "Board"), "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found"), "422": error_response("Invalid") } }
        },
        "/api/v1/boards/{id}/export": { "get": { "summary": "Export as JSON or CSV (facilitators)", "security": auth,
            "parameters": [id_param(), { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["json", "csv"] } }],
            "responses": { "200": { "description": "The board and its cards (`attachment`)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BoardExport" } }, "text/csv": { "schema": { "type": "string" } } } }, "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found"), "422": error_response("Unknown format") } } },
        "/api/v1/boards/{id}/cards": { "post": { "summary": "Add a card: JSON {kind: text|link, …}, or multipart (kind = image|video, file, text, x, y)", "security": auth, "parameters": [id_param()],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewCard" } },
                "multipart/form-data": { "schema": { "type": "object", "properties": { "kind": { "type": "string", "enum": ["image", "video"] }, "file": { "type": "string", "format": "binary" }, "text": { "type": "string" }, "x": { "type": "integer" }, "y": { "type": "integer" } } } } } },
            "responses": { "201": ok("Card", "Card"), "401": error_response("Not signed in"), "404": error_response("Not found"), "413": error_response("Too large"),
                           "415": error_response("Not an image or video (by content)"), "422": error_response("Invalid or board locked") } } },
        "/api/v1/boards/{id}/undo": { "post": { "summary": "Undo my last operation on this board (the last 50 are kept); a card someone else changed since is skipped", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("HistoryOutcome", "What was undone"), "401": error_response("Not signed in"), "404": error_response("Not found"), "409": error_response("Everything it touched was changed by someone else since (`undo_conflict`), or the board is on hold") } } },
        "/api/v1/boards/{id}/redo": { "post": { "summary": "Redo my last undone operation on this board", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("HistoryOutcome", "What was redone"), "401": error_response("Not signed in"), "404": error_response("Not found"), "409": error_response("Everything it touched was changed by someone else since (`undo_conflict`), or the board is on hold") } } },
        "/api/v1/boards/{id}/moves": { "post": { "summary": "Move several cards as one operation (one undo)", "security": auth, "parameters": [id_param()], "requestBody": json_body("GroupMove"),
            "responses": { "200": ok("CardsMoved", "The cards moved"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Invalid or locked") } } },
        "/api/v1/boards/{id}/ws": { "get": { "summary": "WebSocket: a snapshot or a replay (?since=seq), then changes in sequence order and presence", "security": auth,
            "parameters": [id_param(), { "name": "since", "in": "query", "schema": { "type": "integer" } }],
            "responses": { "101": { "description": "Switching protocols: the board's socket" }, "400": error_response("Not a WebSocket upgrade (`bad_request`)"), "401": error_response("Not signed in"), "403": error_response("Cross-site origin (`cross_site_request_refused`)"), "404": error_response("Not found"), "405": error_response("Not a GET"), "426": error_response("Not a WebSocket upgrade (`upgrade_required`)"), "429": error_response("Too many open sockets for one person (`too_many_sockets`)") } } },
        "/api/v1/cards/{id}": {
            "get": { "summary": "One card as I see it", "security": auth, "parameters": [id_param()],
                     "responses": { "200": ok("Card", "Card"), "401": error_response("Not signed in"), "404": error_response("No such card visible to me") } },
            "patch": { "summary": "Change a card; fields left out stay; last writer wins per field (author, facilitators)", "security": auth, "parameters": [id_param()],
                       "requestBody": json_body("CardPatch"),
                       "responses": { "200": ok("CardChanged", "The card's own fields"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Invalid or locked") } },
            "delete": { "summary": "Delete a card (author, facilitators)", "security": auth, "parameters": [id_param()],
                        "responses": { "204": no_content("Deleted"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Locked") } }
        },
        "/api/v1/cards/{id}/approve": { "post": { "summary": "Publish a pending card (facilitators)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("CardReacted", "The card with its reactions"), "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found") } } },
        "/api/v1/cards/{id}/like": {
            "put": { "summary": "Like", "security": auth, "parameters": [id_param()], "responses": { "200": ok("CardReacted", "The card with its reactions"), "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("Locked or pending") } },
            "delete": { "summary": "Unlike", "security": auth, "parameters": [id_param()], "responses": { "200": ok("CardReacted", "The card with its reactions"), "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("Locked or pending") } }
        },
        "/api/v1/cards/{id}/votes": {
            "post": { "summary": "Add one dot vote (within the board's votes per person)", "security": auth, "parameters": [id_param()], "responses": { "200": ok("CardReacted", "The card with its reactions"), "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("No votes left, locked or pending") } },
            "delete": { "summary": "Take back one vote", "security": auth, "parameters": [id_param()], "responses": { "200": ok("CardReacted", "The card with its reactions"), "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("No vote to take back") } }
        },
        "/api/v1/cards/{id}/comments": { "post": { "summary": "Comment on a card", "security": auth, "parameters": [id_param()], "requestBody": json_body("NewComment"),
            "responses": { "201": ok("Comment", "Comment"), "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("Invalid or locked") } } },
        "/api/v1/cards/{id}/media": { "get": { "summary": "A card's image or video (decrypted; nosniff, sandboxed)", "security": auth, "parameters": [id_param()],
            "responses": { "200": bytes("The image or video (its type decided by its content)", &["image/png", "image/jpeg", "image/webp", "video/mp4", "video/webm"]), "401": error_response("Not signed in"), "404": error_response("Not found") } } },
        "/api/v1/comments/{id}": { "delete": { "summary": "Delete a comment (author, facilitators)", "security": auth, "parameters": [id_param()],
            "responses": { "204": no_content("Deleted"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found") } } },
        "/api/v1/boards/{id}/join-code": { "post": { "summary": "Give the board a new join code; the old one stops working (facilitators)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("JoinCode", "The new code and link"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found") } } },
        "/api/v1/boards/{id}/timer": { "post": { "summary": "Start, pause, resume or stop the board's countdown (facilitators)", "security": auth, "parameters": [id_param()], "requestBody": json_body("TimerAction"),
            "responses": { "200": ok("Board", "The board with its countdown"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"),
                           "409": error_response("Nothing to pause or resume"), "422": error_response("Invalid duration") } } },
        "/api/v1/boards/{id}/results": { "get": { "summary": "The vote's results: cards ranked by votes with their counts", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("Results", "Ranked cards"), "401": error_response("Not signed in"), "404": error_response("Not found"), "409": error_response("The results are hidden until revealed (results_not_revealed)") } } },
        "/api/v1/join": { "post": { "summary": "Join a board by code with a pseudonym, without an account", "requestBody": json_body("Join"),
            "responses": { "201": ok("Joined", "Participant session and the recovery code, shown this once"), "404": error_response("No board has this code"), "422": error_response("Invalid pseudonym"), "429": error_response("Rate limited") } } },
        "/api/v1/participants/recover": { "post": { "summary": "Come back as a participant with the recovery code given at join: a new participant session", "requestBody": json_body("Recover"),
            "responses": { "201": ok("Participant", "Participant session"), "401": error_response("The code opens nothing (wrong, malformed or spent: one answer)"), "429": error_response("Rate limited") } } },
        "/api/v1/participants/me": {
            "get": { "summary": "Everything I posted as a participant, in clear (my export)", "security": auth,
                "responses": { "200": ok("ParticipantContent", "What the participant posted"), "401": error_response("Not signed in"), "404": error_response("Not a participant") } },
            "delete": { "summary": "Leave the board and erase everything I posted (participants)", "security": auth,
                "responses": { "204": no_content("Erased"), "401": error_response("Not signed in"), "404": error_response("Not a participant") } } }
    })
}
