fn main() {
    let path = std::env::args().nth(1).unwrap();
    match faq_indexer::corpus::load(std::path::Path::new(&path)) {
        Ok(c) => println!("{}", serde_json::to_string_pretty(&c.entries).unwrap()),
        Err(e) => eprintln!("ERR {e}"),
    }
}
