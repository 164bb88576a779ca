"""Certification support for the branches (C. trav. L6332-1 I 3°): CQP projects from the opportunity to
the RNCP or RS registration (L6113-4 to -8, R6113-8 to -17-1), reviews, habilitations, sessions and
holders, renewals and the RNCP's life. See README « Certifications des branches »."""
