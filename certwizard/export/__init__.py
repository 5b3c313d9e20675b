"""An issued certificate written for one server type: `bundle` (export_bundle, export_order and the input
checks), `servers/` (one ServerLayout record per server type, and the registry), `layout` (the record and
what a layout builds), `pkcs12` (the .pfx), `writing` (complete or not at all), `errors` (ExportError)."""
