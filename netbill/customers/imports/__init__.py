"""Customers → Import from Excel: read a spreadsheet (reader), match its columns to
customer fields (mapping), validate every row with the rules of Create Customer
(validate), and offer the template (template)."""
