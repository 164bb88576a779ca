"""The OPCO's letters on a contract file (accord de prise en charge with its schedule, incomplete
notice, reasoned refusal, payment advice to the CFA): a PDF kept in the file's documents, an entry in
its history, and an e-mail with the PDF to the addresses the file holds — or « aucun courrier
envoyé : pas d'adresse » said in the history and on screen."""
