"""Reading exports and writing segment files."""
