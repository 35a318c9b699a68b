"""RAG: PDFs, images and videos → Documents (ToiotechFileLoader) → embeddings → vector store → a retrieval chain.

Live gateway with TOIOTECH_API_KEY (point it at your own files with TOIOTECH_LOADER_DIR), else the offline
emulator with three small generated files. Needs the cookbook extra: pip install -e ".[cookbook]" (the vector
store's similarity search uses numpy).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from _gateway import gateway
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFileLoader
from langchain_toiotech.testing import sample_mp4, sample_pdf, sample_png

VISION_MODEL = os.environ.get("TOIOTECH_VISION_MODEL", "doubao-seed-1-8")
CHAT_MODEL = os.environ.get("TOIOTECH_MODEL", "deepseek-chat")


def sample_files(directory: Path) -> Path:
    """A one-page PDF, a PNG and an MP4 header: enough for the emulator, which reads no pixels."""
    (directory / "report.pdf").write_bytes(sample_pdf(1))
    (directory / "chart.png").write_bytes(sample_png())
    (directory / "clip.mp4").write_bytes(sample_mp4())
    return directory


def format_documents(documents: list[Document]) -> str:
    return "\n\n".join(f"[{doc.metadata['filename']}] {doc.page_content}" for doc in documents)


def main() -> None:
    with gateway() as gw, tempfile.TemporaryDirectory() as scratch:
        folder = Path(os.environ.get("TOIOTECH_LOADER_DIR") or sample_files(Path(scratch)))
        loader = ToiotechFileLoader(folder, VISION_MODEL, mode="page", fps=0.5, max_concurrency=3, **gw.kwargs)
        documents = loader.load()  # upload → wait until active → extract → delete the upload, per file
        for document in documents:
            meta = document.metadata
            print(f"loaded {meta['filename']:<12} page={meta.get('page')} tokens={meta['usage']['total_tokens']}")

        store = InMemoryVectorStore(ToiotechEmbeddings(**gw.kwargs))
        store.add_documents(documents)
        retriever = store.as_retriever(search_kwargs={"k": 2})
        prompt = ChatPromptTemplate.from_messages(
            [("system", "Answer from the context only.\n\n{context}"), ("human", "{question}")]
        )
        chain = (
            {"context": retriever | format_documents, "question": RunnablePassthrough()}
            | prompt
            | ChatToiotech(model=CHAT_MODEL, **gw.kwargs)
            | StrOutputParser()
        )
        question = "What does the chart show?"
        print("retrieved:", [doc.metadata["filename"] for doc in retriever.invoke(question)])
        print("answer:", chain.invoke(question))
        if gw.emulator is not None:
            print("files left on the gateway:", len(gw.emulator.files))


if __name__ == "__main__":
    main()
