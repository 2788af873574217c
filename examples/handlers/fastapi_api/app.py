"""A small orders API: FastAPI routes behind Mangum, stored with SQLAlchemy in SQLite under /tmp."""

from __future__ import annotations

import os

import boto3
from fastapi import FastAPI, HTTPException
from mangum import Mangum
from pydantic import BaseModel, Field
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

DB_PATH = os.environ.get("ORDERS_DB", "/tmp/orders.sqlite3")
engine = create_engine(f"sqlite:///{DB_PATH}")
s3 = boto3.client("s3")  # module scope, as most functions do; not called by these routes


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)


Base.metadata.create_all(engine)


class OrderIn(BaseModel):
    item: str = Field(min_length=1, max_length=100)
    quantity: int = Field(gt=0)


class OrderOut(OrderIn):
    id: int


app = FastAPI(title="orders")


@app.post("/orders", response_model=OrderOut, status_code=201)
def create_order(order: OrderIn) -> OrderOut:
    with Session(engine) as session:
        row = Order(item=order.item, quantity=order.quantity)
        session.add(row)
        session.commit()
        return OrderOut(id=row.id, item=row.item, quantity=row.quantity)


@app.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: int) -> OrderOut:
    with Session(engine) as session:
        row = session.scalars(select(Order).where(Order.id == order_id)).first()
        if row is None:
            raise HTTPException(status_code=404, detail="no such order")
        return OrderOut(id=row.id, item=row.item, quantity=row.quantity)


handler = Mangum(app, lifespan="off")
