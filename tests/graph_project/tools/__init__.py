"""Steps of the graph fixture: alpha and beta sum a CSV each; variables collects them."""
