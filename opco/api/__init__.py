"""The API's plumbing, shared by every DRF view of the back-office (no mission in it, no app imported).

- `opco.api.views.ApiView`, the base of every API view: the caller's role (`allowed_roles`, `HasRole`)
  is checked before anything reads the body, then CSRF for a browser session, then the view runs; a
  body that cannot be read answers 400 in the documented French shape `{"errors": {field: message}}`.
- `opco.api.bodies`: `BoundedJSONParser` (DRF's JSON parser refuses neither a body nested 50 000 deep —
  the reader recurses until Python's RecursionError, a 500 — nor NUL characters, which PostgreSQL
  refuses in text and jsonb, a 500 again; this one bounds the size and the nesting and refuses NUL and
  lone surrogates, with French messages naming the field), and `json_load_bounded` / `json_problems`,
  the same rules for JSON read elsewhere (the bulk import's lines) and for values that did not come
  through the parser (the payload parsers call it, so every door — screen, API, import — refuses alike).
- `opco.api.access`: `HasRole` and the session authentication whose CSRF check never parses a body.

Why CSRF after the role: DRF's SessionAuthentication checks CSRF while authenticating, before the
permissions, by handing its own Request to Django's check; Django's check reads `request.POST` for a
form token, and DRF's `Request.POST` parses the whole body whatever its type to answer it (a JSON body
never carries the token). So any logged-in user made the server parse any body before its role was
looked at. Here Django's own request is checked (its `POST` reads only form bodies), and only after
`check_permissions`.

The modules read by the REST_FRAMEWORK setting (`access`, `bodies`) must not import
`rest_framework.views`, which reads that setting while it is imported: `ApiView` lives apart.
"""
