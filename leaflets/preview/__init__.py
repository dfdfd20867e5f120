"""Live preview: one long-lived process that watches the sources, checks them and keeps a render
worker warm, and a local web page that shows the chosen edition's pages and diagnostics.

- `worker`: the render worker process (WeasyPrint imported once) and page images (pypdfium2).
- `session`: what is previewed, the rebuild on each save, the last good pages, the diagnostics.
- `server`: the HTTP server on 127.0.0.1 and its server-sent events.
- `app`: starting and stopping it all.
"""
