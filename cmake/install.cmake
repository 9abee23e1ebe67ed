# Installation rules (filled in with the core)
