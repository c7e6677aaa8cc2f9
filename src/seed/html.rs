//! Saved web pages in: an HTML page → the article it holds (being written).
