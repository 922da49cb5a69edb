"""The writers of documents for the leaders: 台账 xlsx, pictures, Word documents.

Each writer takes a core.documents.DocumentFacts and a path, lays out what core computed, and
writes the file atomically (reports.files.atomic_write); none queries the database or decides a rule.
"""
