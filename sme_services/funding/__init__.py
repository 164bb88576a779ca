"""Funding of the training of companies under 50 employees (plan de développement des compétences,
L6332-17, D6332-39; CSE health-and-safety training, L6332-1 6°, R6332-40; AFEST, D6313-3-2) under
versioned rule sets. The calculation is the pure engine (`engine`, `rules`, `inputs`); the rest plugs
it into the spine (instruction, workflow, envelopes, payable schedules)."""
