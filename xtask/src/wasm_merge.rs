//! Merging shared modules of the split web app into one file.
//!
//! The split gives each set of areas that share code a module of its own, so an area could fetch
//! dozens of small files. A shared module only imports what the main module shares with it (its
//! memory, function table and stack pointer) and puts its functions into that table at fixed slots
//! (`elem` segments at constant offsets); it exports nothing and has no start function. So several
//! of them merge into one by concatenation: one copy of each import, every function, global and
//! segment, with type, function, global and segment indices renumbered.

use std::collections::HashMap;

use wasm_encoder::reencode::{Error as ReencodeError, Reencode};
use wasm_encoder::{
    CodeSection, DataCountSection, DataSection, ElementSection, FunctionSection, GlobalSection,
    ImportSection, Module, TypeSection,
};
use wasmparser::{Parser, Payload, TypeRef};

use crate::Result;

/// Index spaces of one input module, mapped into the merged module.
#[derive(Default)]
struct Renumber {
    types: u32,
    funcs: Vec<u32>,
    globals: Vec<u32>,
    memories: Vec<u32>,
    tables: Vec<u32>,
    data: u32,
    elements: u32,
}

fn lookup(map: &[u32], index: u32, what: &str) -> std::result::Result<u32, ReencodeError<String>> {
    map.get(index as usize)
        .copied()
        .ok_or_else(|| ReencodeError::UserError(format!("{what} {index} out of range")))
}

impl Reencode for Renumber {
    type Error = String;

    fn type_index(&mut self, ty: u32) -> std::result::Result<u32, ReencodeError<String>> {
        Ok(self.types + ty)
    }

    fn function_index(&mut self, func: u32) -> std::result::Result<u32, ReencodeError<String>> {
        lookup(&self.funcs, func, "function")
    }

    fn global_index(&mut self, global: u32) -> std::result::Result<u32, ReencodeError<String>> {
        lookup(&self.globals, global, "global")
    }

    fn memory_index(&mut self, memory: u32) -> std::result::Result<u32, ReencodeError<String>> {
        lookup(&self.memories, memory, "memory")
    }

    fn table_index(&mut self, table: u32) -> std::result::Result<u32, ReencodeError<String>> {
        lookup(&self.tables, table, "table")
    }

    fn data_index(&mut self, data: u32) -> std::result::Result<u32, ReencodeError<String>> {
        Ok(self.data + data)
    }

    fn element_index(&mut self, element: u32) -> std::result::Result<u32, ReencodeError<String>> {
        Ok(self.elements + element)
    }
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("merging shared modules: {e:?}")
}

/// What one input module holds, before renumbering.
#[derive(Default)]
struct Counts {
    types: u32,
    funcs: u32,
    globals: u32,
    data: u32,
    elements: u32,
}

/// One module with the contents of every module of `inputs`.
pub fn merge(inputs: &[Vec<u8>]) -> Result<Vec<u8>> {
    // First pass: the imports (one copy of each) and how much each module defines.
    let mut import_index: HashMap<(String, String), (u8, u32)> = HashMap::new();
    let mut first_seen: Vec<(usize, String, String)> = Vec::new();
    let mut next_import = [0_u32; 4]; // functions, globals, memories, tables
    let mut per_module: Vec<(Renumber, Counts)> = Vec::new();
    for (i, wasm) in inputs.iter().enumerate() {
        let mut renumber = Renumber::default();
        let mut counts = Counts::default();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(err)? {
                Payload::TypeSection(s) => counts.types = s.count(),
                Payload::ImportSection(s) => {
                    for import in s.into_imports() {
                        let import = import.map_err(err)?;
                        let kind = match import.ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => 0,
                            TypeRef::Global(_) => 1,
                            TypeRef::Memory(_) => 2,
                            TypeRef::Table(_) => 3,
                            TypeRef::Tag(_) => return Err(err("tag import")),
                        };
                        let key = (import.module.to_owned(), import.name.to_owned());
                        let (seen_kind, index) = *import_index.entry(key).or_insert_with(|| {
                            first_seen.push((i, import.module.to_owned(), import.name.to_owned()));
                            let index = next_import[kind as usize];
                            next_import[kind as usize] += 1;
                            (kind, index)
                        });
                        if seen_kind != kind {
                            return Err(err(format!(
                                "{}.{} imported as different kinds",
                                import.module, import.name
                            )));
                        }
                        match kind {
                            0 => renumber.funcs.push(index),
                            1 => renumber.globals.push(index),
                            2 => renumber.memories.push(index),
                            _ => renumber.tables.push(index),
                        }
                    }
                }
                Payload::FunctionSection(s) => counts.funcs = s.count(),
                Payload::GlobalSection(s) => counts.globals = s.count(),
                Payload::ElementSection(s) => counts.elements = s.count(),
                Payload::DataSection(s) => counts.data = s.count(),
                Payload::MemorySection(_)
                | Payload::TableSection(_)
                | Payload::TagSection(_)
                | Payload::ExportSection(_)
                | Payload::StartSection { .. } => {
                    return Err(err(format!(
                        "module {i} has a section a shared module never has"
                    )))
                }
                _ => {}
            }
        }
        per_module.push((renumber, counts));
    }

    // Defined functions and globals follow all imports; segments and types follow in order.
    let (mut funcs, mut globals, mut types, mut data, mut elements) =
        (next_import[0], next_import[1], 0, 0, 0);
    for (renumber, counts) in &mut per_module {
        renumber.funcs.extend(funcs..funcs + counts.funcs);
        renumber.globals.extend(globals..globals + counts.globals);
        renumber.types = types;
        renumber.data = data;
        renumber.elements = elements;
        funcs += counts.funcs;
        globals += counts.globals;
        types += counts.types;
        data += counts.data;
        elements += counts.elements;
    }

    // Second pass: every section, renumbered.
    let mut type_section = TypeSection::new();
    let mut import_section = ImportSection::new();
    let mut function_section = FunctionSection::new();
    let mut global_section = GlobalSection::new();
    let mut element_section = ElementSection::new();
    let mut code_section = CodeSection::new();
    let mut data_section = DataSection::new();
    for (i, wasm) in inputs.iter().enumerate() {
        let renumber = &mut per_module[i].0;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(err)? {
                Payload::TypeSection(s) => {
                    renumber
                        .parse_type_section(&mut type_section, s)
                        .map_err(err)?;
                }
                Payload::ImportSection(s) => {
                    for import in s.into_imports() {
                        let import = import.map_err(err)?;
                        let first = first_seen.iter().any(|(m, module, name)| {
                            *m == i && module == import.module && name == import.name
                        });
                        if first {
                            renumber
                                .parse_import(&mut import_section, import)
                                .map_err(err)?;
                            first_seen.retain(|(m, module, name)| {
                                !(*m == i && module == import.module && name == import.name)
                            });
                        }
                    }
                }
                Payload::FunctionSection(s) => {
                    renumber
                        .parse_function_section(&mut function_section, s)
                        .map_err(err)?;
                }
                Payload::GlobalSection(s) => {
                    renumber
                        .parse_global_section(&mut global_section, s)
                        .map_err(err)?;
                }
                Payload::ElementSection(s) => {
                    renumber
                        .parse_element_section(&mut element_section, s)
                        .map_err(err)?;
                }
                Payload::CodeSectionEntry(body) => {
                    renumber
                        .parse_function_body(&mut code_section, body)
                        .map_err(err)?;
                }
                Payload::DataSection(s) => {
                    renumber
                        .parse_data_section(&mut data_section, s)
                        .map_err(err)?;
                }
                _ => {}
            }
        }
    }

    let mut module = Module::new();
    module.section(&type_section);
    module.section(&import_section);
    module.section(&function_section);
    if globals > next_import[1] {
        module.section(&global_section);
    }
    if elements > 0 {
        module.section(&element_section);
    }
    if data > 0 {
        module.section(&DataCountSection { count: data });
    }
    module.section(&code_section);
    if data > 0 {
        module.section(&data_section);
    }
    let merged = module.finish();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&merged)
        .map_err(|e| err(format!("the merged module does not validate: {e}")))?;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        ConstExpr, ElementSegment, Elements, EntityType, Function, GlobalType, Instruction,
        MemoryType, RefType, TableType, ValType,
    };

    /// A module shaped like a shared one: the three imports, `funcs` functions, the last calling
    /// the first, all put into the table at `slot`.
    fn shared_module(funcs: u32, slot: i32) -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut imports = ImportSection::new();
        let memory = MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        };
        imports.import("__wasm_split", "memory", EntityType::Memory(memory));
        let table = TableType {
            element_type: RefType::FUNCREF,
            minimum: 16,
            maximum: None,
            table64: false,
            shared: false,
        };
        imports.import(
            "__wasm_split",
            "__indirect_function_table",
            EntityType::Table(table),
        );
        let global = GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        };
        imports.import(
            "__wasm_split",
            "__wasm_split_shared0",
            EntityType::Global(global),
        );
        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        for i in 0..funcs {
            functions.function(0);
            let mut f = Function::new([]);
            if i + 1 == funcs && funcs > 1 {
                f.instruction(&Instruction::Call(0));
            }
            f.instruction(&Instruction::GlobalGet(0));
            f.instruction(&Instruction::GlobalSet(0));
            f.instruction(&Instruction::End);
            code.function(&f);
        }
        let mut elements = ElementSection::new();
        let indices: Vec<u32> = (0..funcs).collect();
        elements.segment(ElementSegment {
            mode: wasm_encoder::ElementMode::Active {
                table: Some(0),
                offset: &ConstExpr::i32_const(slot),
            },
            elements: Elements::Functions(indices.into()),
        });
        let mut module = Module::new();
        module
            .section(&types)
            .section(&imports)
            .section(&functions)
            .section(&elements)
            .section(&code);
        module.finish()
    }

    #[test]
    fn shared_modules_merge_into_one_valid_module_with_one_copy_of_each_import() {
        let merged = merge(&[shared_module(2, 3), shared_module(3, 8)]).unwrap_or_default();
        let mut imports = 0;
        let mut functions = 0;
        let mut offsets = Vec::new();
        for payload in Parser::new(0).parse_all(&merged) {
            match payload.unwrap() {
                Payload::ImportSection(s) => imports = s.into_imports().count(),
                Payload::FunctionSection(s) => functions = s.count(),
                Payload::ElementSection(s) => {
                    for element in s {
                        if let wasmparser::ElementKind::Active { offset_expr, .. } =
                            element.unwrap().kind
                        {
                            offsets
                                .push(format!("{:?}", offset_expr.get_operators_reader().read()));
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!(imports, 3);
        assert_eq!(functions, 5);
        assert_eq!(offsets.len(), 2);
        assert!(
            offsets[0].contains("value: 3") && offsets[1].contains("value: 8"),
            "{offsets:?}"
        );
    }
}
