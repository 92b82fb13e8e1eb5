package httpgw

// schemaJSON is the settings' JSON Schema; the editor's settings page
// generates its form from it. Secrets carry writeOnly.
const schemaJSON = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "HTTP gateway",
  "type": "object",
  "additionalProperties": false,
  "required": ["preset"],
  "properties": {
    "preset": {
      "title": "Peer",
      "description": "What answers at the other end: Kannel's smsbox, the SMS Gateway for Android app on a phone, or any HTTP API described by a template.",
      "type": "string",
      "enum": ["kannel", "android", "generic"],
      "default": "kannel"
    },
    "base_url": {
      "title": "Peer URL",
      "description": "Kannel: the smsbox sendsms address, e.g. http://127.0.0.1:13013. Android: the phone's local server, e.g. http://192.168.1.50:8080. No path, no credentials.",
      "type": "string", "format": "uri"
    },
    "username": {"title": "Username", "description": "Kannel: the sendsms-user's username. Android: the local server's username (shown in the app).", "type": "string"},
    "password": {"title": "Password", "description": "Kannel: the sendsms-user's password. Android: the local server's password.", "type": "string", "writeOnly": true},
    "timeout_seconds": {"title": "Request timeout (s)", "description": "How long one send may take before it counts as possibly sent.", "type": "integer", "minimum": 1, "maximum": 300, "default": 15},
    "probe_interval_seconds": {"title": "Health check interval (s)", "type": "integer", "minimum": 5, "default": 60},
    "callback_url": {
      "title": "Callback URL",
      "description": "Where the peer reaches this gateway: http://<this appliance>:<port>/sms/gateways/<gateway SID>/. Kannel's delivery-report URL is built from it; leave empty to ask for no delivery reports.",
      "type": "string", "format": "uri"
    },
    "inbound_username": {"title": "Callback username", "description": "The user name the peer sends with callbacks (HTTP Basic). Empty: any user name.", "type": "string"},
    "inbound_secret": {"title": "Callback secret", "description": "The shared secret callbacks must carry: the Basic auth password (Kannel: put user:secret@ in the sms-service get-url), or the HMAC key of the generic preset's signature header.", "type": "string", "writeOnly": true},
    "smsc": {"title": "Kannel SMSC id", "description": "Kannel only: route through this smsc-id (empty: Kannel's routing).", "type": "string"},
    "dlr_mask": {"title": "Kannel dlr-mask", "description": "Kannel only: which delivery reports to ask for (1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 SMSC rejected; default 27).", "type": "integer", "minimum": 1, "maximum": 31, "default": 27},
    "signing_key": {"title": "Webhook signing key", "description": "Android only: the app's webhook signing key (Settings → Webhooks). Webhooks are then checked by their X-Signature and X-Timestamp headers instead of Basic auth.", "type": "string", "writeOnly": true},
    "signature_max_age_seconds": {"title": "Signature age limit (s)", "description": "Android only: how old an X-Timestamp may be.", "type": "integer", "minimum": 1, "default": 900},
    "generic": {
      "title": "Generic template",
      "description": "Generic only. Placeholders: {{to}}, {{from}}, {{body}}, {{ref}}, {{sid}}, {{token}}, {{username}}, {{password}}; each is escaped for where it stands (URL query, JSON string, form field).",
      "type": "object",
      "additionalProperties": false,
      "required": ["url"],
      "properties": {
        "method": {"title": "Method", "type": "string", "enum": ["POST", "GET", "PUT", "PATCH"], "default": "POST"},
        "url": {"title": "URL", "description": "e.g. https://api.example.com/sms?to={{to}}", "type": "string"},
        "headers": {"title": "Headers", "description": "e.g. Authorization: Bearer {{token}}", "type": "object", "additionalProperties": {"type": "string"}},
        "encoding": {"title": "Body encoding", "type": "string", "enum": ["json", "form", "text"], "default": "json"},
        "body": {"title": "Body template", "description": "e.g. {\"to\":\"{{to}}\",\"text\":\"{{body}}\"} or to={{to}}&text={{body}}", "type": "string"},
        "token": {"title": "API token", "description": "Used as {{token}}.", "type": "string", "writeOnly": true},
        "success_status": {"title": "Success status codes", "description": "Empty: any 2xx.", "type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599}},
        "id_path": {"title": "Message id path", "description": "Dotted path of the peer's message id in its JSON answer, e.g. data.id or messages.0.id. Empty: our own reference.", "type": "string"},
        "probe_url": {"title": "Health check URL", "description": "Fetched periodically; any HTTP answer means reachable. Empty: no check.", "type": "string", "format": "uri"},
        "inbound": {
          "title": "Callbacks",
          "description": "How the peer's callbacks on mo (messages) and dlr (delivery reports) read.",
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "encoding": {"title": "Encoding", "type": "string", "enum": ["form", "json"], "default": "form"},
            "from": {"title": "Sender field", "type": "string"},
            "to": {"title": "Recipient field", "type": "string"},
            "body": {"title": "Text field", "type": "string"},
            "id": {"title": "Message id field", "type": "string"},
            "time": {"title": "Time field", "type": "string"},
            "ref": {"title": "Report: message id field", "type": "string"},
            "status": {"title": "Report: status field", "type": "string"},
            "detail": {"title": "Report: detail field", "type": "string"},
            "status_map": {"title": "Report: status map", "description": "The peer's status → delivered, undelivered, failed or sent.", "type": "object", "additionalProperties": {"type": "string", "enum": ["delivered", "undelivered", "failed", "sent"]}},
            "signature_header": {"title": "Signature header", "description": "e.g. X-Signature: HMAC-SHA256 of the raw body with the callback secret. Empty: HTTP Basic auth.", "type": "string"},
            "signature_encoding": {"title": "Signature encoding", "type": "string", "enum": ["hex", "base64"], "default": "hex"},
            "signature_prefix": {"title": "Signature prefix", "description": "Stripped before decoding, e.g. sha256=", "type": "string"}
          }
        }
      }
    }
  },
  "allOf": [
    {"if": {"properties": {"preset": {"const": "kannel"}}}, "then": {"required": ["base_url", "username", "password", "inbound_secret"]}},
    {"if": {"properties": {"preset": {"const": "android"}}}, "then": {"required": ["base_url", "username", "password"]}},
    {"if": {"properties": {"preset": {"const": "generic"}}}, "then": {"required": ["generic", "inbound_secret"]}}
  ]
}`
