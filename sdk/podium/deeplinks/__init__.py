"""Deep links: a URL that reopens an app as a visitor saw it (docs/design/deep-links.md, docs/deep-links.md).

`snapshot` (component keys, build and apply), `store` (what stores return and raise), `local_store` (SQLite),
`platform_store` (the platform's app-facing API), `service` (which store a request uses), `commands`
(`podium deep-links ...`). Nothing is imported here, so `import podium` stays fast.
"""
