// The search widget is served from here; see README.
