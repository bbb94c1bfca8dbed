"""People: accounts, roles, who may do what (access rules), personal identification numbers."""
