"""The officers' desk: server-rendered pages (Starlette + Jinja2) over the same services the chat uses."""
