"""Reports of decisions: the evaluation as text and Markdown, the decision record, the export."""
