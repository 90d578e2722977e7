"""One module per output format of `satspeed predict`, each rendering an `Outcome`
(satspeed.predict.outcome) through one entry point:

- tables.show(outcome, console): the rich tables on a terminal;
- json_document.render(outcome) -> str: the JSON document (its schema in that module);
- figures.write(outcome, directory) -> list[Path]: PNG and SVG figures.

A new text format (HTML) is a module with `render(outcome) -> str`. `satspeed compare` has
its own: comparison_table.py, comparison_json.py, and markdown.py (a general markdown table
builder and the comparison's `render`), with comparison_text.py for their shared wording.
"""
